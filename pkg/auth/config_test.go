package auth

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseUserConfigs(t *testing.T) {
	got, err := ParseUserConfigs([]byte(`{"azure":{"type":"api_key","valuePrefix":"Bearer ","credentialsenvvar":"AZ_ACCESS_TOKEN"},
		"github":{"type":"basic","username_var":"GH_USER","password_var":"GH_PASS"}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Configs{
		"azure":  {Type: TypeAPIKey, ValuePrefix: "Bearer ", CredentialsEnvVar: "AZ_ACCESS_TOKEN"},
		"github": {Type: TypeBasic, UsernameVar: "GH_USER", PasswordVar: "GH_PASS"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestParseUserConfigsRejects(t *testing.T) {
	cases := []struct {
		name, input, wantInError string
	}{
		{"not an object", `["azure"]`, "keyed by provider name"},
		{"misspelt key", `{"azure":{"type":"api_key","credentialsenvar":"X"}}`, `unknown key "credentialsenvar"`},
		{"inline secret", `{"okta":{"type":"basic","password":"hunter2"}}`, `name that variable in "password_var"`},
		{"unknown type", `{"google":{"type":"service_account"}}`, `auth type "service_account" is not supported`},
		{"no type", `{"azure":{"credentialsenvvar":"X"}}`, `no "type"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseUserConfigs([]byte(c.input))
			if err == nil || !strings.Contains(err.Error(), c.wantInError) {
				t.Fatalf("error = %v, want it to contain %q", err, c.wantInError)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error repeats the inline secret: %v", err)
			}
		})
	}
}

func TestConfigFromDocumentIgnoresKeysOfOtherTools(t *testing.T) {
	got, err := ConfigFromDocument(map[string]any{"type": "AZURE_DEFAULT", "credentialsfilepath": "/somewhere"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != TypeAzureDefault {
		t.Fatalf("type = %q, want %q", got.Type, TypeAzureDefault)
	}
}

func TestMerge(t *testing.T) {
	doc := Config{Type: TypeAPIKey, CredentialsEnvVar: "DOC_KEY", Name: "X-Api-Key"}

	sameType := Merge(doc, Config{Type: TypeAPIKey, CredentialsEnvVar: "MY_KEY"})
	if want := (Config{Type: TypeAPIKey, CredentialsEnvVar: "MY_KEY", Name: "X-Api-Key"}); !reflect.DeepEqual(sameType, want) {
		t.Errorf("same type: got %+v, want %+v", sameType, want)
	}

	otherType := Merge(doc, Config{Type: TypeBearer, CredentialsEnvVar: "TOKEN"})
	if want := (Config{Type: TypeBearer, CredentialsEnvVar: "TOKEN"}); !reflect.DeepEqual(otherType, want) {
		t.Errorf("other type: got %+v, want %+v", otherType, want)
	}

	audience := Merge(Config{Type: TypeAzureDefault, Scopes: []string{AzureResourceManagerScope}},
		Config{Type: TypeAzureDefault, Audience: "https://management.chinacloudapi.cn"})
	scopes, err := azureScopes(source{}, audience)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://management.chinacloudapi.cn/.default"}; !reflect.DeepEqual(scopes, want) {
		t.Errorf("user audience over document scopes: scopes = %v, want %v", scopes, want)
	}
}
