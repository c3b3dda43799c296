package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// scopeHelp says how a SELECT that leaves a resource's scope open is
// answered; exec's and shell's help show it.
const scopeHelp = `A SELECT that does not give every path parameter of a resource fans out:
skyql uses the broadest read method (VirtualMachines_ListAll over one call per
resource group) and takes what is still missing from the collections above
the resource, listed once per query: vaultName from listing the vaults,
resourceGroupName from the resource groups, and subscriptionId from every
subscription the credential can list (GET /subscriptions). The subscriptions
are narrowed, first found wins, by --subscription ID (repeatable), by
AZURE_SUBSCRIPTION_ID (IDs separated by commas or spaces), or by the app
directory's config.json, {"subscriptions": ["ID", ...]}; with --sandbox only
--subscription counts. Subscriptions not registered for a resource type (409
MissingSubscriptionRegistration) count as empty, with a notice. Writes never
fan out.`

// scopeConfigFile is the app directory's config file, which may name the
// subscriptions queries fan out over.
const scopeConfigFile = "config.json"

// subscriptionScope returns the subscriptions a fan-out is narrowed to:
// the --subscription flags, else AZURE_SUBSCRIPTION_ID, else the config
// file in appDir (empty: no config file); nil when none names any.
func subscriptionScope(flags []string, useEnvironment bool, appDir string) ([]string, error) {
	if len(flags) > 0 {
		for _, id := range flags {
			if strings.TrimSpace(id) == "" {
				return nil, usageError{errors.New("--subscription needs a subscription ID")}
			}
		}
		return flags, nil
	}
	if !useEnvironment {
		return nil, nil
	}
	if env := strings.FieldsFunc(os.Getenv("AZURE_SUBSCRIPTION_ID"), func(r rune) bool { return r == ',' || r == ' ' }); len(env) > 0 {
		return env, nil
	}
	if appDir == "" {
		return nil, nil
	}
	file := filepath.Join(appDir, scopeConfigFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	var config struct {
		Subscriptions []string `json:"subscriptions"`
	}
	if err := json.Unmarshal(data, &config); err != nil {
		return nil, fmt.Errorf(`%s is not valid: %v; it should look like {"subscriptions": ["00000000-0000-0000-0000-000000000001"]}`, file, err)
	}
	return config.Subscriptions, nil
}
