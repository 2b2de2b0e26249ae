package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/route"
)

// The AWS release (docs/release.md): one custom CodeDeploy config and one
// pre-traffic hook for every function's deployment, each function's own
// metric alarm (no composite), and a version per function on every release.

// hookID is the one function of template.yml that is not a route: the
// pre-traffic hook, built from deploy/hook.
const hookID = "CodeDeployHookPreTraffic"

// canaryMetrics are the metrics each function's canary alarm watches, by
// id: the new version's 5xx answers (HTTP functions only), errors and p99
// duration. No Throttles: a throttled call runs no version, so Lambda has
// no ExecutedVersion for it and the alias's count is the old version's too
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
var canaryMetrics = map[string]string{"url5xx": "Url5xxCount", "errors": "Errors", "p99": "Duration"}

// checkCanaryAlarm checks function f's <LogicalId without Function>CanaryAlarm:
// a metric alarm on the new version only (every metric by ExecutedVersion
// behind live), missing data not breaching (a version no call has reached
// yet has no data, and CodeDeploy stops a deployment while an alarm is in
// ALARM), its p99 over the function's own threshold, named in the
// function's own DeploymentPreference; and no idle alarm.
func checkCanaryAlarm(t *testing.T, tmpl map[string]any, f route.Function) {
	t.Helper()
	base := strings.TrimSuffix(f.LogicalID(), "Function")
	if typ := dig(tmpl, "Resources", base+"CanaryAlarm", "Type"); typ != "AWS::CloudWatch::Alarm" {
		t.Fatalf("%sCanaryAlarm is %v, want a metric alarm (AWS::CloudWatch::Alarm)", base, typ)
	}
	a := asMap(dig(tmpl, "Resources", base+"CanaryAlarm", "Properties"))
	seen := map[string]bool{}
	var expr string
	for _, m := range a["Metrics"].([]any) {
		id, _ := dig(m, "Id").(string)
		name := dig(m, "MetricStat", "Metric", "MetricName")
		if name == nil {
			expr = fmt.Sprint(dig(m, "Expression"))
			continue
		}
		seen[id] = true
		if name != canaryMetrics[id] {
			t.Errorf("%sCanaryAlarm: metric %s is %v, want %s", base, id, name, canaryMetrics[id])
		}
		dims := fmt.Sprint(dig(m, "MetricStat", "Metric", "Dimensions"))
		if !strings.Contains(dims, ":live") || !strings.Contains(dims, "ExecutedVersion") {
			t.Errorf("%sCanaryAlarm: %s does not watch the new version behind live (ExecutedVersion): %s", base, id, dims)
		}
		if id == "p99" && dig(m, "MetricStat", "Stat") != "p99" {
			t.Errorf("%sCanaryAlarm: p99 has Stat %v", base, dig(m, "MetricStat", "Stat"))
		}
	}
	if want := len(canaryMetrics) - map[bool]int{true: 0, false: 1}[f.HTTP()]; len(seen) != want || (f.HTTP() != seen["url5xx"]) {
		t.Errorf("%sCanaryAlarm watches %v, want %v (Url5xxCount only with a function URL)", base, sorted(mapKeys(seen)), sorted(mapKeys(map[string]bool{"url5xx": f.HTTP(), "errors": true, "p99": true})))
	}
	threshold := "${LatencyP99Ms}"
	if !f.HTTP() {
		threshold = "${MailerLatencyP99Ms}" // a batch of SMTP deliveries, not an HTTP answer
	}
	if !strings.Contains(expr, "FILL(p99, 0) > "+threshold) {
		t.Errorf("%sCanaryAlarm's expression %q does not compare p99 with %s", base, expr, threshold)
	}
	if a["TreatMissingData"] != "notBreaching" || fmt.Sprint(a["EvaluationPeriods"]) != "1" {
		t.Errorf("%sCanaryAlarm: TreatMissingData %v, EvaluationPeriods %v; want notBreaching and 1 (the first breach)", base, a["TreatMissingData"], a["EvaluationPeriods"])
	}
	if got := asStringsRefs(dig(tmpl, "Resources", f.LogicalID(), "Properties", "DeploymentPreference", "Alarms")); !slices.Equal(got, []string{base + "CanaryAlarm"}) {
		t.Errorf("%s's DeploymentPreference.Alarms = %v, want [%sCanaryAlarm]", f.LogicalID(), got, base)
	}
	if idle := dig(tmpl, "Resources", base+"IdleAlarm"); idle != nil {
		t.Errorf("%sIdleAlarm exists: a version with no call yet would hold it in ALARM (missing data breaching) and stop the deployment", base)
	}
}

// TestReleaseDescriptor checks template.yml's release resources as written.
func TestReleaseDescriptor(t *testing.T) {
	tmpl := loadYAML(t, "template.yml")
	dp := asMap(dig(tmpl, "Globals", "Function", "DeploymentPreference"))
	if fmt.Sprint(dig(dp, "Type")) != fmt.Sprint(map[string]any{"Fn::If": []any{"ReleaseCanary", map[string]any{"Ref": "ReleaseDeploymentConfig"}, map[string]any{"Ref": "DeploymentType"}}}) || dp["Alarms"] != nil ||
		dig(dp, "Hooks", "PreTraffic", "Ref") != hookID {
		t.Errorf("Globals.Function.DeploymentPreference = %v, want the custom config and the %s hook, and no shared alarm (each function names its own)", dp, hookID)
	}
	if cfg := dig(tmpl, "Resources", "ReleaseDeploymentConfig", "Properties", "TrafficRoutingConfig"); dig(cfg, "Type") != "TimeBasedCanary" ||
		dig(cfg, "TimeBasedCanary", "CanaryPercentage", "Ref") != "CanaryPercent" || dig(cfg, "TimeBasedCanary", "CanaryInterval", "Ref") != "CanaryMinutes" {
		t.Errorf("ReleaseDeploymentConfig's traffic routing = %v", cfg)
	}
	for name, want := range map[string]string{"CanaryPercent": "10", "CanaryMinutes": "120", "DeploymentType": "ReleaseCanary"} {
		if got := fmt.Sprint(dig(tmpl, "Parameters", name, "Default")); got != want {
			t.Errorf("parameter %s defaults to %s, want %s", name, got, want)
		}
	}
	if _, ok := asMap(dig(tmpl, "Parameters", "ReleaseId"))["Default"]; ok {
		t.Error("ReleaseId has a default: a deploy that repeats it publishes no version, not even of new code")
	}
	// No composite alarm anywhere: whether CodeDeploy reads one is not
	// documented (DescribeAlarms returns only metric alarms unless asked for
	// composites), so nothing may depend on it.
	for name, r := range asMap(tmpl["Resources"]) {
		if dig(r, "Type") == "AWS::CloudWatch::CompositeAlarm" {
			t.Errorf("%s is a composite alarm", name)
		}
	}
	if _, ok := asMap(tmpl["Parameters"])["CanaryIdleMinutes"]; ok {
		t.Error("CanaryIdleMinutes is still a parameter; the idle check is the release job's (deploy/awsrelease.sh calls)")
	}
	hook := asMap(dig(tmpl, "Resources", hookID, "Properties"))
	c := cfn{tmpl}
	if name := c.eval(hook["FunctionName"]); !strings.HasPrefix(name, "CodeDeployHook_") {
		t.Errorf("the hook is named %q; SAM's CodeDeploy role invokes only CodeDeployHook_*", name)
	}
	if ig := asStrings(dig(tmpl, "Resources", hookID, "IgnoreGlobals")); !slices.Contains(ig, "DeploymentPreference") || !slices.Contains(ig, "Environment") {
		t.Errorf("the hook's IgnoreGlobals = %v, want Environment (no secret it does not use) and DeploymentPreference (it is not released through CodeDeploy)", ig)
	}
	if dig(tmpl, "Resources", hookID, "Metadata", "BuildMethod") != "makefile" {
		t.Error("the hook is not built by make (sam build runs make build-" + hookID + ")")
	}
	if out := makeDryRun(t, "build-"+hookID, "ARTIFACTS_DIR=/a"); !strings.Contains(out, `GOOS=linux GOARCH=arm64 go build -tags "lambda.norpc,no_tablestore,no_bolt"`) ||
		!strings.Contains(out, `-o "/a/bootstrap" ./deploy/hook`) {
		t.Errorf("make build-%s runs\n%s", hookID, out)
	}
	var targets []string
	for _, x := range dig(hook, "Environment", "Variables", "SMOKE_TARGETS", "Fn::Join").([]any)[1].([]any) {
		targets = append(targets, strings.TrimSuffix(fmt.Sprint(dig(x, "Ref")), ".Version"))
	}
	var http []string
	for _, f := range route.HTTPFunctions() {
		http = append(http, f.LogicalID())
	}
	if !slices.Equal(targets, http) {
		t.Errorf("the hook's SMOKE_TARGETS = %v, want every HTTP function's new version %v", targets, http)
	}
}

// translateRun is one run of the SAM transform: a property to drop from
// every function first (or ""), and parameters beyond the test deployment's.
type translateRun struct {
	drop   string
	params []string
}

// translate runs the SAM transform on template.yml (deploy/samtranslate.py,
// aws-sam-translator through python3, started once) for each run and
// returns each translated template's resources.
func translate(t *testing.T, runs ...translateRun) []map[string]any {
	t.Helper()
	py := tool("PYTHON", "python3")
	if py == "" || exec.Command(py, "-c", "import samtranslator, cfnlint").Run() != nil {
		missing(t, "python3 with aws-sam-translator and cfn-lint is not installed (pip install cfn-lint)")
	}
	args := []string{"deploy/samtranslate.py"}
	for i, r := range runs {
		if i > 0 {
			args = append(args, "--")
		}
		if r.drop != "" {
			args = append(args, "--drop", r.drop)
		}
		args = append(args, "template.yml")
		for k, v := range awsParams {
			args = append(args, k+"="+v)
		}
		args = append(args, r.params...)
	}
	var out []map[string]any
	if err := json.Unmarshal(run(t, nil, py, args...), &out); err != nil {
		t.Fatal(err)
	}
	res := make([]map[string]any, len(out))
	for i, o := range out {
		res[i] = asMap(o["Resources"])
	}
	return res
}

// versions maps each function's logical ID to its AWS::Lambda::Version's.
func versions(res map[string]any) map[string]string {
	out := map[string]string{}
	for id, r := range res {
		if dig(r, "Type") == "AWS::Lambda::Version" {
			out[fmt.Sprint(dig(r, "Properties", "FunctionName", "Ref"))] = id
		}
	}
	return out
}

// TestSAMTranslation checks what CloudFormation is given: the translated
// template has the function's own metric alarm and the custom config on
// every function's deployment group, the hook before every alias's
// traffic, the hook's environment without Globals' (no APP_SECRET), and
// a new version of every function when only the release id changes (and,
// without AutoPublishCodeSha256, none when only a parameter changes: the
// bug it fixes).
func TestSAMTranslation(t *testing.T) {
	all := translate(t,
		translateRun{params: []string{"ReleaseId=r1"}},
		translateRun{params: []string{"ReleaseId=r2"}},
		translateRun{drop: "AutoPublishCodeSha256", params: []string{"ReleaseId=r1", "LogLevel=info"}},
		translateRun{drop: "AutoPublishCodeSha256", params: []string{"ReleaseId=r1", "LogLevel=debug"}})
	res := all[0]
	if dig(res, "ReleaseDeploymentConfig", "Type") != "AWS::CodeDeploy::DeploymentConfig" {
		t.Error("the custom deployment config is missing from the translated template")
	}
	if _, ok := res[hookID+"DeploymentGroup"]; ok {
		t.Error("the hook has a deployment group of its own")
	}
	for _, f := range route.All() {
		id := f.LogicalID()
		dg := asMap(dig(res, id+"DeploymentGroup", "Properties"))
		base := strings.TrimSuffix(id, "Function")
		// Exactly the function's own metric alarm, which CodeDeploy reads
		// by name (AlarmConfiguration: at most 10 alarms per group).
		var names []string
		for _, a := range asSlice(dig(dg, "AlarmConfiguration", "Alarms")) {
			names = append(names, fmt.Sprint(dig(a, "Name", "Ref")))
		}
		if !strings.Contains(fmt.Sprint(dig(dg, "DeploymentConfigName")), "ReleaseDeploymentConfig") || !slices.Equal(names, []string{base + "CanaryAlarm"}) ||
			dig(dg, "AlarmConfiguration", "Enabled") != true || !strings.Contains(fmt.Sprint(dig(dg, "AutoRollbackConfiguration")), "DEPLOYMENT_STOP_ON_ALARM") {
			t.Errorf("%sDeploymentGroup = %v, want the custom config, %sCanaryAlarm alone and a rollback on alarm", id, dg, base)
		}
		for _, n := range names {
			if typ := dig(res, n, "Type"); typ != "AWS::CloudWatch::Alarm" || dig(res, n, "Properties", "TreatMissingData") != "notBreaching" {
				t.Errorf("%sDeploymentGroup watches %s (%v, missing data %v), want a metric alarm with missing data notBreaching", id, n, typ, dig(res, n, "Properties", "TreatMissingData"))
			}
		}
		if h := dig(res, id+"Aliaslive", "UpdatePolicy", "CodeDeployLambdaAliasUpdate", "BeforeAllowTrafficHook", "Ref"); h != hookID {
			t.Errorf("%s's live alias runs the pre-traffic hook %v, want %s", id, h, hookID)
		}
	}
	// The hook gets only the variables its code reads.
	reads := hookReads(t)
	vars := asMap(dig(res, hookID, "Properties", "Environment", "Variables"))
	if len(vars) == 0 {
		t.Error("the translated hook has no environment (SMOKE_TARGETS, SMOKE_PREFIX)")
	}
	for k := range vars {
		if !reads[k] {
			t.Errorf("the hook's environment holds %s, which deploy/hook never reads (reads: %v)", k, sorted(mapKeys(reads)))
		}
	}
	// SAM keeps every version it publishes (DeletionPolicy Retain), so
	// they pile up, one per function and release, unless the release job
	// deletes old ones (deploy/awsrelease.sh prune, TestAWSReleaseScript).
	for id, r := range res {
		if dig(r, "Type") == "AWS::Lambda::Version" && dig(r, "DeletionPolicy") != "Retain" {
			t.Logf("note: %s has DeletionPolicy %v; this SAM no longer retains versions", id, dig(r, "DeletionPolicy"))
		}
	}
	same, other := versions(res), versions(all[1])
	for _, f := range route.All() {
		if same[f.LogicalID()] == "" || same[f.LogicalID()] == other[f.LogicalID()] {
			t.Errorf("%s: version %q with ReleaseId r1 and %q with r2, want two versions", f.LogicalID(), same[f.LogicalID()], other[f.LogicalID()])
		}
	}
	// Without it, SAM names the version by the code and the unresolved
	// properties: a new LogLevel (or key, or secret) publishes nothing.
	before, after := versions(all[2]), versions(all[3])
	if fn := logicalID(route.HTTPFunctions()[0].Name); before[fn] != after[fn] {
		t.Logf("note: this SAM publishes a version for a parameter-only change by itself (%s, %s)", before[fn], after[fn])
	} else {
		t.Logf("without AutoPublishCodeSha256 a parameter-only change keeps %s: no new version", before[fn])
	}
	if !regexp.MustCompile(`^[A-Za-z0-9]+$`).MatchString(same[logicalID(route.Mailer)]) {
		t.Errorf("version logical ID %q is not alphanumeric", same[logicalID(route.Mailer)])
	}
}

// hookReads is every environment variable deploy/hook's code reads
// (os.Getenv("X") and env("X") in its sources).
func hookReads(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(path("deploy", "hook", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no deploy/hook sources (%v)", err)
	}
	re := regexp.MustCompile(`(?:Getenv|\benv)\("([A-Z0-9_]+)"\)`)
	out := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			out[m[1]] = true
		}
	}
	if !out["SMOKE_TARGETS"] || !out["SMOKE_PREFIX"] {
		t.Fatalf("deploy/hook reads %v; the pattern no longer finds SMOKE_TARGETS and SMOKE_PREFIX", sorted(mapKeys(out)))
	}
	return out
}

func asSlice(v any) []any {
	l, _ := v.([]any)
	return l
}
