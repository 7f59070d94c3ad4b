package main

// The rules of Grafana's dashboard linter (github.com/grafana/dashboard-linter,
// Apache-2.0, lint/rule_*.go at 4d0844b) that apply to a Prometheus
// dashboard, ported onto the Foundation SDK's types; the LogQL rules are left
// out (no Loki here). Each finding names the linter's rule. Where this port
// is stricter than the linter, the rule's comment says so; warnings of the
// linter are findings too, since the dashboard is to be clean.

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// Panel types, as lint/constants.go names them.
const (
	panelStat       = "stat"
	panelSingleStat = "singlestat"
	panelGauge      = "gauge"
	panelGraph      = "graph"
	panelTimeSeries = "timeseries"
	panelTable      = "table"
)

func isOneOf(value string, set ...string) bool {
	for _, one := range set {
		if value == one {
			return true
		}
	}
	return false
}

func text(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// flattenPanels lists the panels as the linter's GetPanels does: the
// dashboard's own and those inside rows (rows themselves match no rule).
func flattenPanels(board *dashboard.Dashboard) []dashboard.Panel {
	var panels []dashboard.Panel
	for _, item := range board.Panels {
		if item.Panel != nil {
			panels = append(panels, *item.Panel)
		}
		if item.RowPanel != nil {
			panels = append(panels, item.RowPanel.Panels...)
		}
	}
	return panels
}

func countTargets(board *dashboard.Dashboard) int {
	count := 0
	for _, panel := range flattenPanels(board) {
		count += len(panel.Targets)
	}
	return count
}

// variableQuery is a query variable's query: a string, or the object form's
// "query" field that current Grafana writes.
func variableQuery(variable dashboard.VariableModel) string {
	if variable.Query == nil {
		return ""
	}
	if variable.Query.String != nil {
		return *variable.Query.String
	}
	if query, ok := variable.Query.Map["query"].(string); ok {
		return query
	}
	return ""
}

type linter struct {
	board     *dashboard.Dashboard
	findings  []string
	variables []dashboard.VariableModel
}

func (l *linter) add(rule, where, format string, args ...any) {
	l.findings = append(l.findings, fmt.Sprintf("%s: %s%s", rule, where, fmt.Sprintf(format, args...)))
}

// lint runs every rule and returns the findings, one line each.
func lint(board *dashboard.Dashboard) []string {
	l := &linter{board: board, variables: board.Templating.List}
	l.uneditable()
	l.templateDatasource()
	prometheusBoard := false
	for _, variable := range l.variables {
		if variable.Type == dashboard.VariableTypeDatasource {
			// The linter looks at the first data source variable only.
			prometheusBoard = variableQuery(variable) == "prometheus"
			break
		}
	}
	if prometheusBoard {
		l.templateMatcher("job")
		l.templateMatcher("instance")
		l.templateLabelPromQL()
	}
	l.templateOnTimeRangeReload()
	for _, panel := range flattenPanels(board) {
		where := fmt.Sprintf("panel %q: ", text(panel.Title))
		l.panelDatasource(panel, where)
		l.panelTitleDescription(panel, where)
		l.panelUnits(panel, where)
		l.panelNoTargets(panel, where)
		if !prometheusBoard {
			continue
		}
		for _, target := range panel.Targets {
			query, ok := target.(*prometheus.Dataquery)
			if !ok {
				l.add("target-promql-rule", where, "a target that is not a Prometheus query (%T)", target)
				continue
			}
			l.target(panel, *query, fmt.Sprintf("panel %q, target %s: ", text(panel.Title), text(query.RefId)))
		}
	}
	return l.findings
}

// uneditable-dashboard. Stricter: the linter passes a dashboard without the
// field, which Grafana opens as editable.
func (l *linter) uneditable() {
	if l.board.Editable == nil || *l.board.Editable {
		l.add("uneditable-dashboard", "", "editable is not false")
	}
}

// template-datasource-rule.
func (l *linter) templateDatasource() {
	var sources []dashboard.VariableModel
	for _, variable := range l.variables {
		if variable.Type == dashboard.VariableTypeDatasource {
			sources = append(sources, variable)
		}
	}
	if len(sources) == 0 {
		l.add("template-datasource-rule", "", "no templated data source")
	}
	for _, source := range sources {
		query := variableQuery(source)
		names := []string{strings.ToLower(query) + "_datasource"}
		labels := []string{strings.ToUpper(query[:min(1, len(query))]) + strings.ToLower(query[min(1, len(query)):]) + " data source"}
		if len(sources) == 1 {
			names = append(names, "datasource")
			labels = append(labels, "Data source")
		}
		if !isOneOf(source.Name, names...) {
			l.add("template-datasource-rule", "", "data source variable named %q, expected one of %q", source.Name, names)
		}
		if !isOneOf(text(source.Label), labels...) {
			l.add("template-datasource-rule", "", "data source variable labelled %q, expected one of %q", text(source.Label), labels)
		}
	}
}

// template-job-rule and template-instance-rule.
func (l *linter) templateMatcher(name string) {
	rule := "template-" + name + "-rule"
	var variable *dashboard.VariableModel
	for i := range l.variables {
		if l.variables[i].Name == name {
			variable = &l.variables[i]
			break
		}
	}
	if variable == nil {
		l.add(rule, "", "no %s variable", name)
		return
	}
	uid := ""
	if variable.Datasource != nil {
		uid = text(variable.Datasource.Uid)
	}
	if !isOneOf(uid, "$datasource", "${datasource}", "$prometheus_datasource", "${prometheus_datasource}") {
		l.add(rule, "", "%s variable: data source %q, expected $datasource", name, uid)
	}
	if variable.Type != dashboard.VariableTypeQuery {
		l.add(rule, "", "%s variable: type %q, expected a Prometheus query", name, variable.Type)
	}
	if label := strings.ToUpper(name[:1]) + name[1:]; text(variable.Label) != label {
		l.add(rule, "", "%s variable: label %q, expected %q", name, text(variable.Label), label)
	}
	if variable.Multi == nil || !*variable.Multi {
		l.add(rule, "", "%s variable: not a multi select", name)
	}
	if text(variable.AllValue) != ".+" {
		l.add(rule, "", "%s variable: allValue %q, expected \".+\"", name, text(variable.AllValue))
	}
}

var templatedLabel = regexp.MustCompile(`([a-z_]+)\((.+)\)`)

// template-label-promql-rule: each query variable is label_names(),
// label_values(), metrics() or query_result() over PromQL that parses.
func (l *linter) templateLabelPromQL() {
	for _, variable := range l.variables {
		if variable.Type != dashboard.VariableTypeQuery {
			continue
		}
		query := variableQuery(variable)
		tokens := templatedLabel.FindStringSubmatch(query)
		if tokens == nil {
			l.add("template-label-promql-rule", "", "%s variable: query %q is no function call", variable.Name, query)
			continue
		}
		if !isOneOf(tokens[1], "label_names", "label_values", "metrics", "query_result") {
			l.add("template-label-promql-rule", "", "%s variable: function %q", variable.Name, tokens[1])
			continue
		}
		argument := tokens[2]
		if tokens[1] == "label_values" {
			// label_values(SELECTOR, LABEL): the linter parses the whole
			// argument, which Prometheus's parser reads as a selector and a
			// stray ", label"; only the selector is PromQL.
			if comma := strings.LastIndex(argument, ","); comma >= 0 {
				argument = argument[:comma]
			}
		}
		if _, err := l.parse(argument); err != nil {
			l.add("template-label-promql-rule", "", "%s variable: %v", variable.Name, err)
		}
	}
}

// template-on-time-change-reload-rule.
func (l *linter) templateOnTimeRangeReload() {
	for _, variable := range l.variables {
		if variable.Type == dashboard.VariableTypeQuery &&
			(variable.Refresh == nil || *variable.Refresh != dashboard.VariableRefreshOnTimeRangeChanged) {
			l.add("template-on-time-change-reload-rule", "", "%s variable: not refreshed on time range change (2)", variable.Name)
		}
	}
}

// panel-datasource-rule. Stricter: stat and gauge panels too.
func (l *linter) panelDatasource(panel dashboard.Panel, where string) {
	if !isOneOf(panel.Type, panelStat, panelSingleStat, panelGauge, panelGraph, panelTable, panelTimeSeries) {
		return
	}
	uid := ""
	if panel.Datasource != nil {
		uid = text(panel.Datasource.Uid)
	}
	for _, variable := range l.variables {
		if variable.Type == dashboard.VariableTypeDatasource &&
			isOneOf(uid, "$"+variable.Name, "${"+variable.Name+"}") {
			return
		}
	}
	l.add("panel-datasource-rule", where, "data source %q is not a data source variable", uid)
}

// panel-title-description-rule.
func (l *linter) panelTitleDescription(panel dashboard.Panel, where string) {
	if isOneOf(panel.Type, panelStat, panelSingleStat, panelGauge, panelGraph, panelTable, panelTimeSeries) &&
		(text(panel.Title) == "" || text(panel.Description) == "") {
		l.add("panel-title-description-rule", where, "title or description missing")
	}
}

// panel-units-rule: a unit Grafana knows, from an override or the defaults,
// unless value mappings or a stat's non-numeric fields make units moot.
func (l *linter) panelUnits(panel dashboard.Panel, where string) {
	if !isOneOf(panel.Type, panelStat, panelSingleStat, panelGauge, panelGraph, panelTable, panelTimeSeries) {
		return
	}
	if options, ok := panel.Options.(*stat.Options); ok && text(options.ReduceOptions.Fields) != "" {
		return
	}
	unit := ""
	if config := panel.FieldConfig; config != nil {
		for _, override := range config.Overrides {
			for _, property := range override.Properties {
				if property.Id == "mappings" && property.Value != nil {
					return
				}
				if value, ok := property.Value.(string); ok && property.Id == "unit" {
					unit = value
				}
			}
		}
		if config.Defaults.Mappings != nil {
			return
		}
		if unit == "" {
			unit = text(config.Defaults.Unit)
		}
	}
	if !grafanaUnits[unit] {
		l.add("panel-units-rule", where, "no unit or one Grafana does not know: %q", unit)
	}
}

// panel-no-targets-rule.
func (l *linter) panelNoTargets(panel dashboard.Panel, where string) {
	if isOneOf(panel.Type, panelStat, panelSingleStat, panelGauge, panelGraph, panelTable, panelTimeSeries) &&
		len(panel.Targets) == 0 {
		l.add("panel-no-targets-rule", where, "no targets")
	}
}

// rateInterval is what $__rate_interval expands to: a duration no one writes
// by hand, so a range of exactly this length was $__rate_interval.
var rateInterval, _ = time.ParseDuration(globalSamples["__rate_interval"])

type visitor func(node parser.Node, path []parser.Node) error

func (v visitor) Visit(node parser.Node, path []parser.Node) (parser.Visitor, error) {
	if err := v(node, path); err != nil {
		return nil, err
	}
	return v, nil
}

// target checks one query: target-promql-rule (it parses),
// target-rate-interval-rule, target-job-rule, target-instance-rule and
// target-counter-agg-rule.
func (l *linter) target(panel dashboard.Panel, query prometheus.Dataquery, where string) {
	if !isOneOf(panel.Type, panelStat, panelSingleStat, panelGauge, panelTable, "state-timeline", panelTimeSeries) {
		return
	}
	expr, err := l.parse(query.Expr)
	if err != nil {
		l.add("target-promql-rule", where, "%v: %s", err, query.Expr)
		return
	}
	for _, name := range []string{"job", "instance"} {
		for _, matchers := range parser.ExtractSelectors(expr) {
			if err := requireMatcher(matchers, name); err != nil {
				l.add("target-"+name+"-rule", where, "%v: %s", err, query.Expr)
			}
		}
	}
	rate := visitor(func(node parser.Node, path []parser.Node) error {
		selector, ok := node.(*parser.MatrixSelector)
		if !ok || selector.Range == rateInterval || len(path) == 0 {
			return nil
		}
		if call, ok := path[len(path)-1].(*parser.Call); ok && !isOneOf(call.Func.Name, "rate", "irate") {
			return nil
		}
		return fmt.Errorf("a range other than $__rate_interval under rate() or irate()")
	})
	if err := parser.Walk(rate, expr, nil); err != nil {
		l.add("target-rate-interval-rule", where, "%v: %s", err, query.Expr)
	}
	// Stricter: the linter tests the selector's text, matchers included,
	// for the _total suffix, so it misses a counter with matchers; this
	// tests the metric's name.
	counter := visitor(func(node parser.Node, path []parser.Node) error {
		selector, ok := node.(*parser.VectorSelector)
		if !ok || !strings.HasSuffix(selector.Name, "_total") {
			return nil
		}
		if len(path) >= 2 {
			_, ranged := path[len(path)-1].(*parser.MatrixSelector)
			call, called := path[len(path)-2].(*parser.Call)
			if ranged && called && isOneOf(call.Func.Name, "rate", "irate", "increase") {
				return nil
			}
		}
		return fmt.Errorf("counter %s not under rate(), irate() or increase()", selector.Name)
	})
	if err := parser.Walk(counter, expr, nil); err != nil {
		l.add("target-counter-agg-rule", where, "%v: %s", err, query.Expr)
	}
}

// requireMatcher is the linter's checkForMatcher: NAME=~"$NAME".
func requireMatcher(matchers []*labels.Matcher, name string) error {
	for _, matcher := range matchers {
		if matcher.Name == name && matcher.Type == labels.MatchRegexp && matcher.Value == "$"+name {
			return nil
		}
	}
	return fmt.Errorf("a selector without %s=~\"$%s\"", name, name)
}

// parse expands the dashboard's variables as the linter does, then parses
// the result with Prometheus's parser.
func (l *linter) parse(expr string) (parser.Expr, error) {
	expanded := expandVariables(expr, l.variables)
	return parser.NewParser(parser.Options{}).ParseExpr(expanded)
}
