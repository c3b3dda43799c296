// Package registry publishes and installs provider documents in the public
// provider registry's layout: a source tree <provider>/<version>/provider.yaml
// + services/*.yaml is built into a dist directory (providers.yaml and one
// gzip tar per version, each document with an Ed25519 .sig beside it), and
// clients list it and pull versions into <app dir>/src/<provider>/<version>/.
//
// Pulls are verified by default against the key embedded in skyql plus any
// keys the user configures; archives are unpacked defensively (no links, no
// paths outside the version folder, size limits), validated with
// pkg/provider, and installed with a rename so a failed pull changes nothing.
package registry
