package deploy

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/todofn/todofn/pkg/route"
)

// The AWS release (docs/release.md): one custom CodeDeploy config, one
// composite alarm and one pre-traffic hook for every function's deployment,
// and a version per function on every release.

// hookID is the one function of template.yml that is not a route: the
// pre-traffic hook, built from deploy/hook.
const hookID = "CodeDeployHookPreTraffic"

// canaryMetrics are the metrics each function's canary alarm watches, by
// id: the new version's 5xx answers (HTTP functions only), errors, p99
// duration, and the alias's throttles.
var canaryMetrics = map[string]string{"url5xx": "Url5xxCount", "errors": "Errors", "throttles": "Throttles", "p99": "Duration"}

// checkCanaryAlarm checks function f's <LogicalId without Function>CanaryAlarm
// and, for an HTTP function, its IdleAlarm.
func checkCanaryAlarm(t *testing.T, tmpl map[string]any, f route.Function) {
	t.Helper()
	base := strings.TrimSuffix(f.LogicalID(), "Function")
	a := asMap(dig(tmpl, "Resources", base+"CanaryAlarm", "Properties"))
	if a == nil {
		t.Fatalf("no %sCanaryAlarm", base)
	}
	seen := map[string]bool{}
	for _, m := range a["Metrics"].([]any) {
		id, _ := dig(m, "Id").(string)
		name := dig(m, "MetricStat", "Metric", "MetricName")
		if name == nil {
			continue // the expression
		}
		seen[id] = true
		if name != canaryMetrics[id] {
			t.Errorf("%sCanaryAlarm: metric %s is %v, want %s", base, id, name, canaryMetrics[id])
		}
		dims := fmt.Sprint(dig(m, "MetricStat", "Metric", "Dimensions"))
		if !strings.Contains(dims, ":live") || (id != "throttles") != strings.Contains(dims, "ExecutedVersion") {
			t.Errorf("%sCanaryAlarm: %s does not watch the new version behind live (throttles: the alias): %s", base, id, dims)
		}
		if id == "p99" && dig(m, "MetricStat", "Stat") != "p99" {
			t.Errorf("%sCanaryAlarm: p99 has Stat %v", base, dig(m, "MetricStat", "Stat"))
		}
	}
	if want := len(canaryMetrics) - map[bool]int{true: 0, false: 1}[f.HTTP()]; len(seen) != want || (f.HTTP() != seen["url5xx"]) {
		t.Errorf("%sCanaryAlarm watches %v, want %v (Url5xxCount only with a function URL)", base, sorted(mapKeys(seen)), sorted(mapKeys(map[string]bool{"url5xx": f.HTTP(), "errors": true, "throttles": true, "p99": true})))
	}
	if a["TreatMissingData"] != "notBreaching" || fmt.Sprint(a["EvaluationPeriods"]) != "1" {
		t.Errorf("%sCanaryAlarm: TreatMissingData %v, EvaluationPeriods %v; want notBreaching and 1 (the first breach)", base, a["TreatMissingData"], a["EvaluationPeriods"])
	}
	idle := asMap(dig(tmpl, "Resources", base+"IdleAlarm", "Properties"))
	if !f.HTTP() {
		if idle != nil {
			t.Errorf("%s has an idle alarm; the mailer's calls come from sign-ups, not from the canary's share", f.Name)
		}
		return
	}
	if idle == nil || idle["TreatMissingData"] != "breaching" {
		t.Errorf("%sIdleAlarm: %v, want one with TreatMissingData breaching", base, idle)
	}
}

// TestReleaseDescriptor checks template.yml's release resources as written.
func TestReleaseDescriptor(t *testing.T) {
	tmpl := loadYAML(t, "template.yml")
	dp := asMap(dig(tmpl, "Globals", "Function", "DeploymentPreference"))
	if fmt.Sprint(dig(dp, "Type")) != fmt.Sprint(map[string]any{"Fn::If": []any{"ReleaseCanary", map[string]any{"Ref": "ReleaseDeploymentConfig"}, map[string]any{"Ref": "DeploymentType"}}}) || !slices.Equal(asStringsRefs(dp["Alarms"]), []string{"ReleaseAlarm"}) ||
		dig(dp, "Hooks", "PreTraffic", "Ref") != hookID {
		t.Errorf("Globals.Function.DeploymentPreference = %v, want the custom config, ReleaseAlarm and the %s hook", dp, hookID)
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
	// The composite names every HTTP function's canary and idle alarm.
	rule := fmt.Sprint(dig(tmpl, "Resources", "ReleaseAlarm", "Properties", "AlarmRule"))
	for _, f := range route.All() {
		base := strings.TrimSuffix(f.LogicalID(), "Function")
		if has := strings.Contains(rule, `ALARM("${`+base+`CanaryAlarm}")`); has != f.HTTP() {
			t.Errorf("ReleaseAlarm's rule names %sCanaryAlarm: %v, want %v", base, has, f.HTTP())
		}
		if f.HTTP() && !strings.Contains(rule, `ALARM("${`+base+`IdleAlarm}")`) {
			t.Errorf("ReleaseAlarm's rule does not name %sIdleAlarm", base)
		}
	}
	// The mailer cannot be a child (see template.yml): it adds its own alarm.
	if got := asStringsRefs(dig(tmpl, "Resources", logicalID(route.Mailer), "Properties", "DeploymentPreference", "Alarms")); !slices.Equal(got, []string{"MailerCanaryAlarm"}) {
		t.Errorf("the mailer's own alarms = %v, want [MailerCanaryAlarm]", got)
	}
	hook := asMap(dig(tmpl, "Resources", hookID, "Properties"))
	c := cfn{tmpl}
	if name := c.eval(hook["FunctionName"]); !strings.HasPrefix(name, "CodeDeployHook_") {
		t.Errorf("the hook is named %q; SAM's CodeDeploy role invokes only CodeDeployHook_*", name)
	}
	if dig(hook, "DeploymentPreference", "Enabled") != false {
		t.Error("the hook is itself released through CodeDeploy")
	}
	if dig(tmpl, "Resources", hookID, "Metadata", "BuildMethod") != "makefile" {
		t.Error("the hook is not built by make (sam build runs make build-" + hookID + ")")
	}
	if out := makeDryRun(t, "build-"+hookID, "ARTIFACTS_DIR=/a"); !strings.Contains(out, `GOOS=linux GOARCH=arm64 go build -tags "lambda.norpc,no_tablestore"`) ||
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
// template has the composite alarm and the custom config on every
// function's deployment group, the hook before every alias's traffic, and
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
	if dig(res, "ReleaseAlarm", "Type") != "AWS::CloudWatch::CompositeAlarm" {
		t.Errorf("ReleaseAlarm is %v, want a composite alarm", dig(res, "ReleaseAlarm", "Type"))
	}
	if dig(res, "ReleaseDeploymentConfig", "Type") != "AWS::CodeDeploy::DeploymentConfig" {
		t.Error("the custom deployment config is missing from the translated template")
	}
	if _, ok := res[hookID+"DeploymentGroup"]; ok {
		t.Error("the hook has a deployment group of its own")
	}
	for _, f := range route.All() {
		id := f.LogicalID()
		dg := asMap(dig(res, id+"DeploymentGroup", "Properties"))
		alarms := fmt.Sprint(dig(dg, "AlarmConfiguration"))
		if !strings.Contains(fmt.Sprint(dig(dg, "DeploymentConfigName")), "ReleaseDeploymentConfig") || !strings.Contains(alarms, "ReleaseAlarm") ||
			dig(dg, "AlarmConfiguration", "Enabled") != true || !strings.Contains(fmt.Sprint(dig(dg, "AutoRollbackConfiguration")), "DEPLOYMENT_STOP_ON_ALARM") {
			t.Errorf("%sDeploymentGroup = %v, want the custom config, ReleaseAlarm and a rollback on alarm", id, dg)
		}
		if h := dig(res, id+"Aliaslive", "UpdatePolicy", "CodeDeployLambdaAliasUpdate", "BeforeAllowTrafficHook", "Ref"); h != hookID {
			t.Errorf("%s's live alias runs the pre-traffic hook %v, want %s", id, h, hookID)
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
