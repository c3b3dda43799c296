// Package registry holds the default providers' documents, generated from the specs and
// configs under providers/ (see pkg/generator), as a registry source tree:
// src/<provider>/<version>/provider.yaml and src/<provider>/<version>/services/<service>.yaml.
// The engine embeds them so that skyql works without pulling anything.
//
// Regenerate after changing a config or spec with `go generate ./registry`.
package registry

import "embed"

//go:generate go run ../cmd/skyql provider generate --config ../providers/azure/config.yaml --out src
//go:generate go test -run TestShippedIndexesAreTheSourcesOwn . -update

// Source is the source tree; paths start with "src/".
//
//go:embed src
var Source embed.FS

// Indexes holds the compiled index of every service in Source, under
// index/ (see provider.ShippedIndexes); go generate rewrites it after Source.
//
//go:embed index
var Indexes embed.FS
