package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSubscriptionScopeTakesTheFlagThenTheEnvironmentThenTheConfigFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, scopeConfigFile), []byte(`{"subscriptions": ["from-file"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AZURE_SUBSCRIPTION_ID", "env-1, env-2")
	for _, c := range []struct {
		name   string
		flags  []string
		useEnv bool
		want   []string
	}{
		{"flag", []string{"a", "b"}, true, []string{"a", "b"}},
		{"environment", nil, true, []string{"env-1", "env-2"}},
		{"sandbox ignores the environment", nil, false, nil},
	} {
		got, err := subscriptionScope(c.flags, c.useEnv, dir)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	t.Setenv("AZURE_SUBSCRIPTION_ID", "")
	if got, err := subscriptionScope(nil, true, dir); err != nil || !slices.Equal(got, []string{"from-file"}) {
		t.Errorf("config file: got %v, %v", got, err)
	}
	if got, err := subscriptionScope(nil, true, t.TempDir()); err != nil || got != nil {
		t.Errorf("no config file: got %v, %v; want every subscription (nil)", got, err)
	}
}

func TestABadScopeConfigSaysWhatItShouldLookLike(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, scopeConfigFile), []byte(`{"subscriptions": "one"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AZURE_SUBSCRIPTION_ID", "")
	_, err := subscriptionScope(nil, true, dir)
	if err == nil || !strings.Contains(err.Error(), `{"subscriptions": [`) {
		t.Fatalf("got %v", err)
	}
	code, _, stderr := run("exec", "--subscription", " ", "SELECT 1")
	if code != exitUsage || !strings.Contains(stderr, "--subscription needs a subscription ID") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
