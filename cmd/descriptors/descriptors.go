package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/todofn/todofn/pkg/route"
)

// Descriptor is one file the command writes regions of.
type Descriptor struct {
	// Path is the file, relative to the repository root.
	Path string
	// Regions returns each generated region's lines, by region name, for
	// the functions fns (route.All() in the files).
	Regions func(fns []route.Function) map[string]string
}

// Generate returns cur with its generated regions written afresh from the
// route table.
func (d Descriptor) Generate(cur string) (string, error) {
	return Splice(cur, d.Regions(route.All()))
}

// Files returns the descriptors the command writes: template.yml and s.yaml.
func Files() []Descriptor {
	return []Descriptor{
		{Path: "template.yml", Regions: TemplateRegions},
		{Path: "s.yaml", Regions: SRegions},
	}
}

// FC3 is the pinned Serverless Devs component every s.yaml resource uses
// (s.yaml's header says why it is pinned). The hand-written fn-mailer names
// it too; deploy/schema_test.go checks every resource pins one version.
const FC3 = "fc3@0.1.22"

// The CORS headers of every function URL: equal to pkg/api's cors options
// (deploy/consistency_test.go checks them against the code).
const (
	corsAllowHeaders  = "[authorization, content-type, idempotency-key, if-match, x-request-id]"
	corsExposeHeaders = "[retry-after, www-authenticate, x-request-id, location, idempotent-replayed, etag]"
)

// TemplateRegions returns template.yml's generated regions: the HTTP
// functions, the mailer's policy, the pre-traffic hook's targets, the HTTP
// functions' canary alarms and their URL outputs.
func TemplateRegions(all []route.Function) map[string]string {
	var fns, targets, alarms, outputs strings.Builder
	for i, f := range httpOnly(all) {
		if i > 0 {
			fns.WriteString("\n")
			alarms.WriteString("\n")
		}
		samFunction(&fns, f)
		canaryAlarm(&alarms, f)
		fmt.Fprintf(&targets, "              - !Ref %s.Version\n", f.LogicalID())
		id := f.LogicalID()
		fmt.Fprintf(&outputs, "  %sUrl:\n", id)
		fmt.Fprintf(&outputs, "    Description: %s (%s), bound to the live alias\n", f.Name, routesText(f))
		fmt.Fprintf(&outputs, "    Value: !GetAtt %sUrl.FunctionUrl\n", id)
	}
	var mp strings.Builder
	for _, f := range all {
		if f.Name == route.Mailer {
			policies(&mp, f.Deploy.Policy)
		}
	}
	return map[string]string{
		"http-functions": fns.String(),
		"mailer-policy":  mp.String(),
		"smoke-targets":  targets.String(),
		"canary-alarms":  alarms.String(),
		"url-outputs":    outputs.String(),
	}
}

// samFunction writes f's AWS::Serverless::Function: its alias, its own
// canary alarm in its deployment preference, its function URL with CORS and
// its least-privilege policy.
func samFunction(b *strings.Builder, f route.Function) {
	d := f.Deploy
	id := f.LogicalID()
	fmt.Fprintf(b, "  %s:\n", id)
	b.WriteString("    Type: AWS::Serverless::Function\n")
	b.WriteString("    Metadata:\n")
	b.WriteString("      BuildMethod: makefile\n")
	b.WriteString("    Properties:\n")
	fmt.Fprintf(b, "      FunctionName: !Sub todofn-${Stage}-%s\n", f.Name)
	b.WriteString("      AutoPublishCodeSha256: !Ref ReleaseId # a new version for every release, parameters included\n")
	b.WriteString("      DeploymentPreference:\n")
	fmt.Fprintf(b, "        Alarms: [!Ref %s] # this function's own metric alarm\n", alarmID(f))
	fmt.Fprintf(b, "      Description: %s\n", d.Description)
	if d.MemoryMB != 0 {
		fmt.Fprintf(b, "      MemorySize: %d\n", d.MemoryMB)
	}
	if d.TimeoutSeconds != 0 {
		fmt.Fprintf(b, "      Timeout: %d\n", d.TimeoutSeconds)
	}
	if d.Signs {
		b.WriteString("      Environment:\n")
		b.WriteString("        Variables:\n")
		b.WriteString("          JWT_SIGNING_KEYS: !Ref JwtSigningKeys # it issues access tokens\n")
	}
	b.WriteString("      FunctionUrlConfig:\n")
	b.WriteString("        AuthType: NONE # a bearer JWT, where a route needs one, is checked in code\n")
	b.WriteString("        Cors:\n")
	b.WriteString("          AllowOrigins: !Ref AllowedOrigins\n")
	fmt.Fprintf(b, "          AllowMethods: [%s]\n", strings.Join(methods(f), ", "))
	fmt.Fprintf(b, "          AllowHeaders: %s\n", corsAllowHeaders)
	fmt.Fprintf(b, "          ExposeHeaders: %s\n", corsExposeHeaders)
	b.WriteString("          MaxAge: 600\n")
	policies(b, d.Policy)
}

// policies writes a function's Policies property: one inline policy with a
// statement per grant.
func policies(b *strings.Builder, grants []route.Grant) {
	b.WriteString("      Policies:\n")
	b.WriteString("        - Version: \"2012-10-17\"\n")
	b.WriteString("          Statement:\n")
	for _, g := range grants {
		b.WriteString("            - Effect: Allow")
		if g.Why != "" {
			b.WriteString(" # " + g.Why)
		}
		b.WriteString("\n")
		fmt.Fprintf(b, "              Action: [%s]\n", strings.Join(g.Actions, ", "))
		fmt.Fprintf(b, "              Resource: !GetAtt %s\n", g.Resource)
	}
}

// alarmID is the logical ID of f's canary alarm: "RegisterCanaryAlarm".
func alarmID(f route.Function) string {
	return strings.TrimSuffix(f.LogicalID(), "Function") + "CanaryAlarm"
}

// canaryAlarm writes the metric alarm in f's deployment preference: the new
// version behind live answering a 5xx, failing or running slow in a minute
// (template.yml's comment above the region says why each metric).
func canaryAlarm(b *strings.Builder, f route.Function) {
	fmt.Fprintf(b, "  %s:\n", alarmID(f))
	b.WriteString("    Type: AWS::CloudWatch::Alarm\n")
	b.WriteString("    Properties:\n")
	fmt.Fprintf(b, "      AlarmName: !Sub todofn-${Stage}-%s-canary\n", f.Name)
	fmt.Fprintf(b, "      AlarmDescription: The new %s version behind live answered a 5xx, failed or ran slow (p99 over LatencyP99Ms) in a minute\n", f.Name)
	b.WriteString("      Metrics:\n")
	b.WriteString("        - Id: breach\n")
	b.WriteString("          Label: 5xx answers, failures or a slow p99 of the new version\n")
	b.WriteString("          Expression: !Sub \"IF(FILL(url5xx, 0) + FILL(errors, 0) > 0 OR FILL(p99, 0) > ${LatencyP99Ms}, 1, 0)\"\n")
	b.WriteString("          ReturnData: true\n")
	for _, m := range []struct{ id, stat, metric string }{
		{"url5xx", "Sum", "Url5xxCount"},
		{"errors", "Sum", "Errors"},
		{"p99", "p99", "Duration"},
	} {
		fmt.Fprintf(b, "        - Id: %s\n", m.id)
		b.WriteString("          ReturnData: false\n")
		b.WriteString("          MetricStat:\n")
		b.WriteString("            Period: 60\n")
		fmt.Fprintf(b, "            Stat: %s\n", m.stat)
		b.WriteString("            Metric:\n")
		b.WriteString("              Namespace: AWS/Lambda\n")
		fmt.Fprintf(b, "              MetricName: %s\n", m.metric)
		b.WriteString("              Dimensions:\n")
		b.WriteString("                - Name: FunctionName\n")
		fmt.Fprintf(b, "                  Value: !Ref %s\n", f.LogicalID())
		b.WriteString("                - Name: Resource\n")
		fmt.Fprintf(b, "                  Value: !Sub ${%s}:live\n", f.LogicalID())
		b.WriteString("                - Name: ExecutedVersion\n")
		fmt.Fprintf(b, "                  Value: !GetAtt %s.Version.Version\n", f.LogicalID())
	}
	b.WriteString("      EvaluationPeriods: 1\n")
	b.WriteString("      Threshold: 0\n")
	b.WriteString("      ComparisonOperator: GreaterThanThreshold\n")
	b.WriteString("      TreatMissingData: notBreaching # no call, no failure: silence is judged by the release job (docs/release.md)\n")
}

// SRegions returns s.yaml's generated region: one fc3 resource per HTTP
// function, with its HTTP trigger on the live alias.
func SRegions(all []route.Function) map[string]string {
	var b strings.Builder
	for i, f := range httpOnly(all) {
		if i > 0 {
			b.WriteString("\n")
		}
		d := f.Deploy
		fmt.Fprintf(&b, "  %s:\n", f.Resource())
		fmt.Fprintf(&b, "    component: %s\n", FC3)
		b.WriteString("    actions:\n")
		b.WriteString("      pre-deploy:\n")
		fmt.Fprintf(&b, "        - run: make package-fc ONLY=%s\n", f.Name)
		b.WriteString("          path: ./\n")
		b.WriteString("    props:\n")
		b.WriteString("      <<: *function\n")
		fmt.Fprintf(&b, "      functionName: todofn-${vars.stage}-%s\n", f.Name)
		fmt.Fprintf(&b, "      description: %s\n", d.Description)
		if d.MemoryMB != 0 {
			fmt.Fprintf(&b, "      memorySize: %d\n", d.MemoryMB)
		}
		if d.TimeoutSeconds != 0 {
			fmt.Fprintf(&b, "      timeout: %d\n", d.TimeoutSeconds)
		}
		fmt.Fprintf(&b, "      code: ./build/fc/%s.zip\n", f.Name)
		if d.Signs {
			b.WriteString("      environmentVariables:\n")
			b.WriteString("        <<: *env\n")
			b.WriteString("        JWT_SIGNING_KEYS: ${env('JWT_SIGNING_KEYS')} # it issues access tokens\n")
		} else {
			b.WriteString("      environmentVariables: *env\n")
		}
		b.WriteString("      triggers:\n")
		b.WriteString("        - triggerName: http\n")
		b.WriteString("          triggerType: http\n")
		b.WriteString("          qualifier: ${vars.qualifier}\n")
		b.WriteString("          triggerConfig:\n")
		b.WriteString("            authType: anonymous # a bearer JWT, where a route needs one, is checked in code\n")
		fmt.Fprintf(&b, "            methods: [%s]\n", strings.Join(append(methods(f), "OPTIONS"), ", "))
		b.WriteString("            disableURLInternet: false\n")
	}
	return map[string]string{"http-functions": b.String()}
}

// httpOnly returns the functions of fns served over HTTP, in order.
func httpOnly(fns []route.Function) []route.Function {
	return slices.DeleteFunc(slices.Clone(fns), func(f route.Function) bool { return !f.HTTP() })
}

// methods returns f's HTTP methods, sorted, each once.
func methods(f route.Function) []string {
	var out []string
	for _, r := range f.Routes {
		out = append(out, r.Method)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// routesText names f's routes for an output's description, methods that
// share a pattern together: "POST /register", "POST and GET /verify".
func routesText(f route.Function) string {
	var patterns []string
	byPattern := map[string][]string{}
	for _, r := range f.Routes {
		if _, ok := byPattern[r.Pattern]; !ok {
			patterns = append(patterns, r.Pattern)
		}
		byPattern[r.Pattern] = append(byPattern[r.Pattern], r.Method)
	}
	parts := make([]string, len(patterns))
	for i, p := range patterns {
		parts[i] = strings.Join(byPattern[p], " and ") + " " + p
	}
	return strings.Join(parts, ", ")
}
