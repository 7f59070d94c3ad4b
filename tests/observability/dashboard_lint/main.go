// dashboard_lint checks a Grafana dashboard with Grafana's own code, in two
// passes, and exits 1 on any finding:
//
//  1. schema: the dashboard is decoded by the Grafana Foundation SDK's strict
//     unmarshaller (github.com/grafana/grafana-foundation-sdk/go, Grafana's
//     Apache-2.0 types generated from the dashboard schema: unknown fields,
//     wrong types and missing required fields are errors) and validated by its
//     Validate() (the schema's constraints);
//  2. lint: the rules of Grafana's dashboard linter
//     (github.com/grafana/dashboard-linter, lint/rule_*.go) for a Prometheus
//     dashboard, ported in rules.go onto the SDK's types, with every PromQL
//     expression parsed by Prometheus's own parser
//     (github.com/prometheus/prometheus/promql/parser).
//
// The linter itself is not a dependency because the Go module proxy serves
// no release of it. Usage: dashboard_lint DASHBOARD_JSON
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dashboard_lint DASHBOARD_JSON")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The panel and query types (stat, timeseries, prometheus, ...) that the
	// strict decoder checks options and targets against.
	plugins.RegisterDefaultPlugins()

	// In v0.0.22 the strict decoders return their empty error list as a
	// non-nil error, on which a panel's or target's parent drops it: the
	// strict pass only finds errors, and the dashboard the rules read comes
	// from the SDK's lenient decoder (the same types, no such drop).
	var strict dashboard.Dashboard
	findings := schemaFindings("strict decode", strict.UnmarshalJSONStrict(raw))
	var board dashboard.Dashboard
	if len(findings) == 0 {
		if err := json.Unmarshal(raw, &board); err != nil {
			findings = append(findings, fmt.Sprintf("schema (decode): %v", err))
		} else {
			findings = schemaFindings("validate", board.Validate())
		}
	}
	// The rules read the decoded dashboard: they run only on one that the
	// schema accepts, as a half-decoded one would give findings of its own.
	if len(findings) == 0 {
		findings = lint(&board)
	}
	for _, finding := range findings {
		fmt.Println("FAIL " + finding)
	}
	if len(findings) > 0 {
		os.Exit(1)
	}
	fmt.Printf("%s: %d panels, %d queries: schema and linter rules clean\n",
		os.Args[1], len(flattenPanels(&board)), countTargets(&board))
}

// schemaFindings splits the SDK's error list into one finding per field.
// The SDK returns its list as an error even when the list is empty, so an
// empty list is success, not an error without a message.
func schemaFindings(pass string, err error) []string {
	if err == nil {
		return nil
	}
	var list cog.BuildErrors
	if !errors.As(err, &list) {
		return []string{fmt.Sprintf("schema (%s): %v", pass, err)}
	}
	findings := make([]string, 0, len(list))
	for _, one := range list {
		findings = append(findings, fmt.Sprintf("schema (%s): %v", pass, one))
	}
	return findings
}
