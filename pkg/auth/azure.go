package auth

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// AzureResourceManagerScope is the scope for ARM tokens in the public cloud.
const AzureResourceManagerScope = "https://management.azure.com/.default"

const azureHint = `Sign in with "az login", or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal, or run where a managed identity is available; AZURE_TOKEN_CREDENTIALS=dev|prod|<credential type> narrows which sources are tried`

// newAzureDefault uses azidentity's DefaultAzureCredential chain
// (environment, workload identity, managed identity, Azure CLI, azd,
// PowerShell). The chain itself caches nothing for CLI sources, so the
// tokenAuthorizer's cache is what keeps `az` from running per request.
func newAzureDefault(src source, cfg Config, secrets *Secrets) (DryRunAuthorizer, error) {
	scopes, err := azureScopes(src, cfg)
	if err != nil {
		return nil, err
	}
	opts := &azidentity.DefaultAzureCredentialOptions{TenantID: cfg.TenantID}
	if cfg.AuthorityHost != "" {
		u, err := url.Parse(cfg.AuthorityHost)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf(`%s: authority_host %q must be an https URL such as "https://login.chinacloudapi.cn/"`, src, cfg.AuthorityHost)
		}
		opts.ClientOptions = azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost}}
	}
	cred, err := azidentity.NewDefaultAzureCredential(opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w\nhint: %s", src, err, azureHint)
	}
	return newTokenAuthorizer(src, cred, scopes, cfg.ValuePrefix, azureHint, secrets), nil
}

// azureScopes picks the token scope: explicit scopes, else the audience's
// "/.default" scope, else Azure Resource Manager in the public cloud.
func azureScopes(src source, cfg Config) ([]string, error) {
	if len(cfg.Scopes) > 0 {
		return cfg.Scopes, nil
	}
	if cfg.Audience != "" {
		u, err := url.Parse(cfg.Audience)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf(`%s: audience %q must be a URL such as "https://management.usgovcloudapi.net"`, src, cfg.Audience)
		}
		return []string{strings.TrimSuffix(cfg.Audience, "/") + "/.default"}, nil
	}
	return []string{AzureResourceManagerScope}, nil
}
