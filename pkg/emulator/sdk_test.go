package emulator

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/dataprotection/armdataprotection/v3"

	"github.com/skyql/skyql/pkg/provider"
)

// staticToken is an azcore.TokenCredential that always hands out one token.
type staticToken string

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(t), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// sdkClient points the real Azure SDK client at the emulator (azure-arm.md §7).
func sdkClient(t *testing.T, base, token string) *armdataprotection.BackupInstancesClient {
	t.Helper()
	opts := &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: "https://login.microsoftonline.com/",
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Endpoint: base, Audience: "https://management.azure.com"},
				},
			},
			InsecureAllowCredentialWithHTTP: true,
			APIVersion:                      testAPIVersion,
			Retry:                           policy.RetryOptions{MaxRetries: 6, RetryDelay: time.Millisecond, MaxRetryDelay: 20 * time.Millisecond},
		},
		DisableRPRegistration: true,
	}
	c, err := armdataprotection.NewBackupInstancesClient(DefaultSubscriptionID, staticToken(token), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var fastPolling = &runtime.PollUntilDoneOptions{Frequency: 5 * time.Millisecond}

func newInstance(name string) armdataprotection.BackupInstanceResource {
	disk := "/subscriptions/" + DefaultSubscriptionID + "/resourceGroups/" + DefaultResourceGroup + "/providers/Microsoft.Compute/disks/" + name
	return armdataprotection.BackupInstanceResource{
		Properties: &armdataprotection.BackupInstance{
			ObjectType:   to.Ptr("BackupInstance"),
			FriendlyName: to.Ptr(name),
			DataSourceInfo: &armdataprotection.Datasource{
				ResourceID:       to.Ptr(disk),
				DatasourceType:   to.Ptr("Microsoft.Compute/disks"),
				ObjectType:       to.Ptr("Datasource"),
				ResourceName:     to.Ptr(name),
				ResourceType:     to.Ptr("Microsoft.Compute/disks"),
				ResourceLocation: to.Ptr(DefaultLocation),
			},
			PolicyInfo: &armdataprotection.PolicyInfo{PolicyID: to.Ptr(vaultPath(DefaultVault) + "/backupPolicies/" + DefaultPolicy)},
		},
	}
}

func responseErrorCode(t *testing.T, err error, wantStatus int) string {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want *azcore.ResponseError, got %T: %v", err, err)
	}
	if re.StatusCode != wantStatus {
		t.Errorf("status %d, want %d (%v)", re.StatusCode, wantStatus, err)
	}
	return re.ErrorCode
}

// TestAzureSDKDrivesEmulator is the acceptance test: the real
// armdataprotection client creates, lists across pages, reads, runs an
// action on and deletes a backup instance, and decodes ARM errors.
func TestAzureSDKDrivesEmulator(t *testing.T) {
	t.Run("generated provider documents", func(t *testing.T) {
		testSDKLifecycle(t, []*provider.Service{generatedAzureService(t, "data_protection")})
	})
	t.Run("spec converted by openapi2conv", func(t *testing.T) {
		testSDKLifecycle(t, []*provider.Service{dataProtectionService(t)})
	})
}

func testSDKLifecycle(t *testing.T, services []*provider.Service) {
	e, base := startEmulatorWith(t, services, Options{PageSize: 40, EmptyPageEvery: 3, LROPolls: 2})
	client := sdkClient(t, base, e.Token())
	ctx := context.Background()

	// Create: PUT answers 201 + Azure-AsyncOperation, polled to Succeeded.
	poller, err := client.BeginCreateOrUpdate(ctx, DefaultResourceGroup, DefaultVault, "disk-sdk-test", newInstance("disk-sdk-test"), nil)
	if err != nil {
		t.Fatalf("BeginCreateOrUpdate: %v", err)
	}
	created, err := poller.PollUntilDone(ctx, fastPolling)
	if err != nil {
		t.Fatalf("create LRO: %v", err)
	}
	if got := *created.Name; got != "disk-sdk-test" {
		t.Errorf("created name %q", got)
	}
	if got := *created.Properties.CurrentProtectionState; got != armdataprotection.CurrentProtectionStateProtectionConfigured {
		t.Errorf("created instance's currentProtectionState = %q, want ProtectionConfigured", got)
	}

	// List: 151 instances at 40 per page, with an empty page every third.
	pager := client.NewListPager(DefaultResourceGroup, DefaultVault, nil)
	seen := map[string]bool{}
	pages := 0
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		for _, bi := range page.Value {
			if seen[*bi.Name] {
				t.Errorf("instance %s listed twice", *bi.Name)
			}
			seen[*bi.Name] = true
		}
	}
	want := DefaultDataset().Instances + 1
	if len(seen) != want || !seen["disk-sdk-test"] {
		t.Errorf("listed %d instances (created one included: %v), want %d", len(seen), seen["disk-sdk-test"], want)
	}
	if pages < 5 {
		t.Errorf("listed in %d pages, want at least 4 full pages and an empty one", pages)
	}

	// Get, with the vault name in another case: ARM paths are case-insensitive.
	got, err := client.Get(ctx, DefaultResourceGroup, "VAULT-PROD-01", "disk-sdk-test", nil)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if *got.Properties.DataSourceInfo.DatasourceType != "Microsoft.Compute/disks" {
		t.Errorf("Get returned %+v", got.Properties.DataSourceInfo)
	}

	// Action: StopProtection (POST, 202 + Location + Azure-AsyncOperation).
	stop, err := client.BeginStopProtection(ctx, DefaultResourceGroup, DefaultVault, "disk-sdk-test", nil)
	if err != nil {
		t.Fatalf("BeginStopProtection: %v", err)
	}
	if _, err := stop.PollUntilDone(ctx, fastPolling); err != nil {
		t.Fatalf("stop protection LRO: %v", err)
	}
	got, err = client.Get(ctx, DefaultResourceGroup, DefaultVault, "disk-sdk-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := *got.Properties.CurrentProtectionState; s != armdataprotection.CurrentProtectionStateProtectionStopped {
		t.Errorf("after StopProtection currentProtectionState = %q", s)
	}

	// Adhoc backup: an action with a validated body and a result body.
	backup, err := client.BeginAdhocBackup(ctx, DefaultResourceGroup, DefaultVault, "disk-sdk-test", armdataprotection.TriggerBackupRequest{
		BackupRuleOptions: &armdataprotection.AdHocBackupRuleOptions{RuleName: to.Ptr("BackupDaily"), TriggerOption: &armdataprotection.AdhocBackupTriggerOption{RetentionTagOverride: to.Ptr("Default")}},
	}, nil)
	if err != nil {
		t.Fatalf("BeginAdhocBackup: %v", err)
	}
	if _, err := backup.PollUntilDone(ctx, fastPolling); err != nil {
		t.Fatalf("adhoc backup LRO: %v", err)
	}

	// Delete (LRO), then the instance is gone: 404 ResourceNotFound.
	del, err := client.BeginDelete(ctx, DefaultResourceGroup, DefaultVault, "disk-sdk-test", nil)
	if err != nil {
		t.Fatalf("BeginDelete: %v", err)
	}
	if _, err := del.PollUntilDone(ctx, fastPolling); err != nil {
		t.Fatalf("delete LRO: %v", err)
	}
	_, err = client.Get(ctx, DefaultResourceGroup, DefaultVault, "disk-sdk-test", nil)
	if code := responseErrorCode(t, err, http.StatusNotFound); code != "ResourceNotFound" {
		t.Errorf("Get after delete: code %q, want ResourceNotFound", code)
	}

	// A vault that does not exist: its instances are 404 ParentResourceNotFound.
	_, err = client.Get(ctx, DefaultResourceGroup, "vault-missing", "anything", nil)
	if code := responseErrorCode(t, err, http.StatusNotFound); code != "ParentResourceNotFound" {
		t.Errorf("Get under a missing vault: code %q, want ParentResourceNotFound", code)
	}

	// A body that breaks the schema (policyInfo is required): 400.
	bad := newInstance("disk-bad")
	bad.Properties.PolicyInfo = nil
	_, err = client.BeginCreateOrUpdate(ctx, DefaultResourceGroup, DefaultVault, "disk-bad", bad, nil)
	if code := responseErrorCode(t, err, http.StatusBadRequest); code != "InvalidRequestContent" {
		t.Errorf("invalid body: code %q, want InvalidRequestContent", code)
	}

	st := e.Stats()
	if st.LROsStarted != 4 || st.LROPolls < 4*3 {
		t.Errorf("stats: %d LROs started, %d polls; want 4 LROs with at least 3 polls each", st.LROsStarted, st.LROPolls)
	}
	if st.EmptyPages == 0 {
		t.Errorf("no empty page was served: %+v", st)
	}
}

// TestAzureSDKRequestedLROFailure: a create asked to fail surfaces as the
// SDK's ResponseError with the operation's error code, and changes nothing.
func TestAzureSDKRequestedLROFailure(t *testing.T) {
	e, base := startEmulator(t, Options{LROPolls: 1})
	client := sdkClient(t, base, e.Token())
	ctx := policy.WithHTTPHeader(context.Background(), http.Header{LROOutcomeHeader: {"Failed"}})
	poller, err := client.BeginCreateOrUpdate(ctx, DefaultResourceGroup, DefaultVault, "disk-doomed", newInstance("disk-doomed"), nil)
	if err != nil {
		t.Fatalf("BeginCreateOrUpdate: %v", err)
	}
	_, err = poller.PollUntilDone(context.Background(), fastPolling)
	if code := responseErrorCode(t, err, http.StatusOK); code != "OperationFailed" {
		t.Errorf("failed LRO: code %q, want OperationFailed", code)
	}
	_, err = client.Get(context.Background(), DefaultResourceGroup, DefaultVault, "disk-doomed", nil)
	if code := responseErrorCode(t, err, http.StatusNotFound); code != "ResourceNotFound" {
		t.Errorf("a failed create must leave nothing behind; Get answered code %q", code)
	}
}

// TestAzureSDKUnderFaults: with throttling and injected 5xx, the SDK's
// retries still list everything, and the counters show the faults served.
func TestAzureSDKUnderFaults(t *testing.T) {
	e, base := startEmulator(t, Options{PageSize: 10, ThrottleEvery: 4, FailEvery: 7, FailBurst: 2, RetryAfter: time.Millisecond, Seed: 42})
	client := sdkClient(t, base, e.Token())
	pager := client.NewListPager(DefaultResourceGroup, DefaultVault, nil)
	n := 0
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatalf("after %d instances: %v", n, err)
		}
		n += len(page.Value)
	}
	if n != DefaultDataset().Instances {
		t.Errorf("listed %d instances, want %d", n, DefaultDataset().Instances)
	}
	st := e.Stats()
	if st.Throttled == 0 || st.Failed == 0 {
		t.Errorf("faults not served: throttled %d, failed %d", st.Throttled, st.Failed)
	}
	if st.ByStatus["429"] != st.Throttled || st.ByStatus["500"]+st.ByStatus["503"] != st.Failed {
		t.Errorf("status counters disagree with fault counters: %+v", st)
	}
	if st.ByStatus["500"] == 0 || st.ByStatus["503"] == 0 {
		t.Errorf("bursts of two should alternate 500 and 503: %v", st.ByStatus)
	}
}
