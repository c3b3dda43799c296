package samples

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/skyql/skyql/pkg/emulator/internal/jsonhttp"
)

// The inventory: one YAML file per ARM resource type, so that adding a
// service's sample data is adding one file. A file says:
//
//	type: Microsoft.Storage/storageAccounts   # the ARM resource type
//	defaults:                                 # merged under every resource (RFC 7386)
//	  kind: StorageV2
//	resources:
//	  - subscription: 1                       # the dataset's subscription, from 1
//	    group: rg-prod-eastus                 # empty: at subscription scope
//	    name: stprodeastus01                  # parent/child for nested types
//	    location: eastus
//	    tags: {env: prod}
//	    properties: {...}                     # and any other top-level field: sku, identity, ...
//
// The loader adds id, name, type and systemData, sets
// properties.provisioningState to Succeeded unless given, and creates the
// subscriptions and resource groups named that the dataset lacks.
//
//go:embed inventory/*.yaml
var inventoryFiles embed.FS

type inventoryFile struct {
	Type      string              `yaml:"type"`
	Defaults  map[string]any      `yaml:"defaults"`
	Resources []inventoryResource `yaml:"resources"`
}

type inventoryResource struct {
	Subscription int            `yaml:"subscription"`
	Group        string         `yaml:"group"`
	Name         string         `yaml:"name"`
	Body         map[string]any `yaml:",inline"`
}

func seedInventory(sink Sink) error {
	files, err := fs.Glob(inventoryFiles, "inventory/*.yaml")
	if err != nil {
		return err
	}
	for _, file := range files {
		data, err := inventoryFiles.ReadFile(file)
		if err != nil {
			return err
		}
		var inv inventoryFile
		if err := yaml.Unmarshal(data, &inv); err != nil {
			return fmt.Errorf("samples %s: %w", file, err)
		}
		for i, r := range inv.Resources {
			if err := addInventory(sink, inv, r); err != nil {
				return fmt.Errorf("samples %s: resources[%d] (%s): %w", file, i, r.Name, err)
			}
		}
	}
	return nil
}

func addInventory(sink Sink, inv inventoryFile, r inventoryResource) error {
	if r.Subscription < 1 || r.Name == "" {
		return fmt.Errorf("each resource needs subscription (from 1) and name")
	}
	id, err := resourceID(inv.Type, r)
	if err != nil {
		return err
	}
	body := map[string]any{}
	jsonhttp.MergePatch(body, deepCopy(inv.Defaults))
	jsonhttp.MergePatch(body, r.Body)
	location, _ := body["location"].(string)
	ensureScope(sink, r.Subscription-1, r.Group, location)
	name := path.Base(id)
	body["id"], body["name"], body["type"] = id, name, inv.Type
	body["systemData"] = SystemData(Time)
	if props, ok := body["properties"].(map[string]any); ok {
		if _, set := props["provisioningState"]; !set {
			props["provisioningState"] = "Succeeded"
		}
	}
	sink.Add(id, name, MustJSON(body))
	return nil
}

// resourceID builds the ARM id of a resource of type typ (Namespace/type[/child...])
// named r.Name (name[/child...]) in r's scope.
func resourceID(typ string, r inventoryResource) (string, error) {
	types := strings.Split(typ, "/")
	names := strings.Split(r.Name, "/")
	if len(types) != len(names)+1 {
		return "", fmt.Errorf("type %s needs a name with %d part(s) separated by /, got %q", typ, len(types)-1, r.Name)
	}
	var b strings.Builder
	b.WriteString("/subscriptions/" + SubscriptionID(r.Subscription-1))
	if r.Group != "" {
		b.WriteString("/resourceGroups/" + r.Group)
	}
	b.WriteString("/providers/" + types[0])
	for i, n := range names {
		b.WriteString("/" + types[i+1] + "/" + n)
	}
	return b.String(), nil
}

// ensureScope adds the subscription and resource group a sample lives in
// when the dataset has not made them.
func ensureScope(sink Sink, sub int, group, location string) {
	subID := SubscriptionID(sub)
	if !sink.Has("/subscriptions/" + subID) {
		addSubscription(sink, sub)
	}
	if group == "" || sink.Has("/subscriptions/"+subID+"/resourceGroups/"+group) {
		return
	}
	env := "prod"
	if parts := strings.Split(group, "-"); len(parts) > 2 {
		env = parts[1]
	}
	addGroup(sink, subID, group, location, map[string]string{"env": env, "costCenter": "cc-" + env})
}

// deepCopy copies the maps of a decoded YAML value, so merging into one
// resource leaves the file's defaults as they were.
func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = deepCopy(sub)
		}
		out[k] = v
	}
	return out
}
