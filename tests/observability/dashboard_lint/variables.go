package main

// Variable expansion before parsing, as the dashboard linter's
// lint/variables.go does: outside double-quoted strings, each $name, ${name}
// or [[name]] becomes a sample value, so that the expression parses and
// $__rate_interval becomes a duration the rate rule recognises. Inside
// double quotes nothing is expanded, so matchers keep "$job" and
// "$instance" for the job and instance rules to find.

import (
	"regexp"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// globalSamples are the linter's sample values of Grafana's global variables
// (the odd durations are ones no one writes by hand).
var globalSamples = map[string]string{
	"__rate_interval": "8869990787ms",
	"__interval":      "4867856611ms",
	"__interval_ms":   "7781188786",
	"__range_ms":      "6737667980",
	"__range_s":       "9397795485",
	"__range":         "6069770749ms",
	"__dashboard":     "AwREbnft",
	"__from":          "1594671549254",
	"__to":            "1594671549254",
	"__name":          "name",
	"__org":           "42",
	"__org.name":      "orgname",
	"__user.id":       "42",
	"__user.login":    "user",
	"__user.email":    "user@test.com",
	"__auto":          "12345ms",
}

var variableReference = regexp.MustCompile(`\$([[:word:]]+)|\$\{([^}]+)\}|\[\[([^\[\]]+)\]\]`)

func expandVariables(expr string, variables []dashboard.VariableModel) string {
	parts := strings.Split(expr, `"`)
	for i := 0; i < len(parts); i += 2 { // the odd parts are inside quotes
		parts[i] = variableReference.ReplaceAllStringFunc(parts[i], func(reference string) string {
			groups := variableReference.FindStringSubmatch(reference)
			return sampleValue(groups[1]+groups[2]+groups[3], variables)
		})
	}
	return strings.Join(parts, `"`)
}

// sampleValue is a global's sample, a variable's current value or first
// option (itself expanded without that variable), or else the name itself.
// A ":format" suffix is dropped: the linter's formats only repeat the value.
func sampleValue(reference string, variables []dashboard.VariableModel) string {
	name, _, _ := strings.Cut(reference, ":")
	if value, ok := globalSamples[name]; ok {
		return value
	}
	if strings.HasPrefix(name, "__auto_interval") {
		return "10s"
	}
	for i, variable := range variables {
		if variable.Name != name {
			continue
		}
		others := append(append([]dashboard.VariableModel{}, variables[:i]...), variables[i+1:]...)
		if value := optionValue(variable.Current); value != "" {
			return expandVariables(value, others)
		}
		if len(variable.Options) > 0 {
			return expandVariables(optionValue(&variable.Options[0]), others)
		}
	}
	return name
}

func optionValue(option *dashboard.VariableOption) string {
	if option == nil {
		return ""
	}
	if option.Value.String != nil {
		return *option.Value.String
	}
	if len(option.Value.ArrayOfString) > 0 {
		return option.Value.ArrayOfString[0]
	}
	return ""
}
