package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/skyql/skyql/pkg/output"
)

// The catalog clients browse: providers are databases, their services
// schemas, resources tables. It is read once from skyql's own SHOW and
// DESCRIBE statements, which read provider documents and never an API.

// catalogModel is what every provider offers.
type catalogModel struct {
	providers []catalogProvider
}

type catalogProvider struct {
	name     string
	services []catalogService
}

type catalogService struct {
	name, description string
	resources         []catalogResource
}

type catalogResource struct {
	name, description string
	columns           []catalogColumn
}

type catalogColumn struct {
	name, kind, description string // kind: DESCRIBE's type (string, integer, object, ...)
}

// loadCatalog reads the catalog through a session: its providers and
// services, and with tables their resources and columns too, which reads
// every service document (a few seconds for all of Azure).
func loadCatalog(ctx context.Context, s Session, tables bool) (*catalogModel, error) {
	providers, err := collect(ctx, s, "SHOW PROVIDERS")
	if err != nil {
		return nil, err
	}
	m := &catalogModel{}
	for _, p := range providers {
		cp := catalogProvider{name: p["name"]}
		services, err := collect(ctx, s, "SHOW SERVICES IN "+cp.name)
		if err != nil {
			return nil, err
		}
		for _, sv := range services {
			cs := catalogService{name: sv["name"], description: sv["description"]}
			if !tables {
				cp.services = append(cp.services, cs)
				continue
			}
			resources, err := collect(ctx, s, "SHOW RESOURCES IN "+sv["id"])
			if err != nil {
				return nil, err
			}
			for _, r := range resources {
				cr := catalogResource{name: r["name"], description: r["description"]}
				cols, err := collect(ctx, s, "DESCRIBE "+r["id"])
				if err != nil {
					return nil, err
				}
				for _, c := range cols {
					cr.columns = append(cr.columns, catalogColumn{name: c["name"], kind: c["type"], description: c["description"]})
				}
				cs.resources = append(cs.resources, cr)
			}
			cp.services = append(cp.services, cs)
		}
		m.providers = append(m.providers, cp)
	}
	return m, nil
}

// collect runs a statement and returns its rows as column name -> text.
func collect(ctx context.Context, s Session, stmt string) ([]map[string]string, error) {
	var c collector
	if err := s.ExecuteArgs(ctx, stmt, nil, &c); err != nil {
		return nil, fmt.Errorf("reading the catalog (%s): %w", stmt, err)
	}
	return c.rows, nil
}

// collector is an output.Writer that keeps rows as text by column name.
type collector struct {
	cols []output.Column
	rows []map[string]string
}

func (c *collector) Begin(cols []output.Column) error { c.cols = cols; return nil }

func (c *collector) Row(values []any) error {
	row := make(map[string]string, len(values))
	for i, v := range values {
		if v != nil {
			row[c.cols[i].Name] = string(textValue(v))
		}
	}
	c.rows = append(c.rows, row)
	return nil
}

func (c *collector) End() error { return nil }

// schemaRef is a schema as a connection sees it.
type schemaRef struct {
	name     string
	provider string
	service  *catalogService
}

// schemas are the schemas of database: the services of the provider it
// names, or else every provider's services as provider.service.
func (m *catalogModel) schemas(database string) []schemaRef {
	var out []schemaRef
	for _, p := range m.providers {
		if p.name == database {
			out = out[:0]
			for i := range p.services {
				out = append(out, schemaRef{name: p.services[i].name, provider: p.name, service: &p.services[i]})
			}
			return out
		}
		for i := range p.services {
			out = append(out, schemaRef{name: p.name + "." + p.services[i].name, provider: p.name, service: &p.services[i]})
		}
	}
	return out
}

// pgType is the PostgreSQL type a DESCRIBE type is shown as.
func pgType(kind string) uint32 {
	switch strings.ToLower(kind) {
	case "integer":
		return oidInt8
	case "number":
		return oidFloat8
	case "boolean":
		return oidBool
	case "object", "array":
		return oidJSON
	}
	return oidText
}
