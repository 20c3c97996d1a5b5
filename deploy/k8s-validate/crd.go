package main

// Custom resources (KEDA's ScaledObject) are checked the way the API server checks them: against the
// OpenAPI v3 schema of the CustomResourceDefinition the operator installs (read from the operator's
// release, fetched from the Go module proxy by check-deploy.sh), not against a copy of its Go types.
// Unknown fields are found by the API server's own pruning algorithm (what fieldValidation=Strict
// reports), types, enums, required fields and bounds by the same OpenAPI validator the API server uses.
// Importing KEDA's Go module instead would compile its operator (controller-runtime's manager and
// webhooks, expr-lang …) just to decode one kind.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
	sigsyaml "sigs.k8s.io/yaml"
)

// crdVersion is one served version of a CustomResourceDefinition.
type crdVersion struct {
	file       string
	structural *structuralschema.Structural
	validator  *validate.SchemaValidator
}

type crdSchemas map[schema.GroupVersionKind]crdVersion

func loadCRDs(files []string) (crdSchemas, error) {
	out := crdSchemas{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := sigsyaml.UnmarshalStrict(data, &crd); err != nil {
			return nil, fmt.Errorf("%s: not a CustomResourceDefinition: %v", file, err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			return nil, fmt.Errorf("%s: kind is %q, expected CustomResourceDefinition", file, crd.Kind)
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				return nil, fmt.Errorf("%s: version %s has no openAPIV3Schema", file, v.Name)
			}
			var internal apiextensions.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
				return nil, fmt.Errorf("%s: version %s: %v", file, v.Name, err)
			}
			s, err := structuralschema.NewStructural(&internal)
			if err != nil {
				return nil, fmt.Errorf("%s: version %s: schema is not structural: %v", file, v.Name, err)
			}
			if errs := structuralschema.ValidateStructural(nil, s); len(errs) > 0 {
				return nil, fmt.Errorf("%s: version %s: schema is not structural: %v", file, v.Name, errs.ToAggregate())
			}
			openapi := s.ToKubeOpenAPI()
			intOrStringTypes(openapi)
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			out[gvk] = crdVersion{file: file, structural: s, validator: validate.NewSchemaValidator(openapi, nil, "", strfmt.Default)}
		}
	}
	return out, nil
}

// intOrStringTypes does what the API server's schema conversion does for x-kubernetes-int-or-string
// (ToKubeOpenAPI leaves the type empty, which would accept anything).
func intOrStringTypes(s *spec.Schema) {
	if s == nil {
		return
	}
	if v, ok := s.Extensions["x-kubernetes-int-or-string"].(bool); ok && v && len(s.Type) == 0 {
		s.Type = spec.StringOrArray{"integer", "string"}
	}
	for k, p := range s.Properties {
		intOrStringTypes(&p)
		s.Properties[k] = p
	}
	if s.Items != nil {
		intOrStringTypes(s.Items.Schema)
		for i := range s.Items.Schemas {
			intOrStringTypes(&s.Items.Schemas[i])
		}
	}
	if s.AdditionalProperties != nil {
		intOrStringTypes(s.AdditionalProperties.Schema)
	}
	for _, list := range [][]spec.Schema{s.AllOf, s.AnyOf, s.OneOf} {
		for i := range list {
			intOrStringTypes(&list[i])
		}
	}
	intOrStringTypes(s.Not)
}

// validateCustomResource returns the problems the API server would report for doc (JSON) under strict
// field validation: unknown fields, then schema violations, then metadata decoded strictly.
func (c crdVersion) validateCustomResource(doc []byte, where string, p *problems) bool {
	var obj map[string]any
	if err := sigsyaml.UnmarshalStrict(doc, &obj); err != nil { // duplicate keys are errors here
		p.addf("%s: %v", where, err)
		return false
	}
	ok := true
	meta, _ := obj["metadata"]
	unknown := pruning.PruneWithOptions(obj, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, f := range unknown {
		p.addf("%s: unknown field %q (not in the schema of %s)", where, f, filepath.Base(c.file))
		ok = false
	}
	res := c.validator.Validate(obj)
	for _, err := range res.Errors {
		p.addf("%s: %v", where, err)
		ok = false
	}
	if meta != nil {
		raw, _ := sigsyaml.Marshal(meta)
		var om metav1.ObjectMeta
		if err := sigsyaml.UnmarshalStrict(raw, &om); err != nil {
			p.addf("%s: metadata: %v", where, err)
			ok = false
		}
	}
	return ok
}

// scaledObject holds the fields of KEDA's ScaledObject (keda.sh/v1alpha1) that the cross-checks read.
// It is decoded only after the CRD schema accepted the document, so it need not be complete.
type scaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ScaleTargetRef *struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Name       string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicaCount  *int32 `json:"minReplicaCount"`
		MaxReplicaCount  *int32 `json:"maxReplicaCount"`
		IdleReplicaCount *int32 `json:"idleReplicaCount"`
		Fallback         *struct {
			FailureThreshold int32 `json:"failureThreshold"`
			Replicas         int32 `json:"replicas"`
		} `json:"fallback"`
		Advanced *struct {
			ScalingModifiers map[string]any `json:"scalingModifiers"`
		} `json:"advanced"`
		Triggers []struct {
			Type             string            `json:"type"`
			Name             string            `json:"name"`
			UseCachedMetrics bool              `json:"useCachedMetrics"`
			MetricType       string            `json:"metricType"`
			Metadata         map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// kedaWebhookChecks are the checks of KEDA v2.21's admission webhook that need no cluster, as in
// apis/keda/v1alpha1 (ValidateTriggers, CheckReplicaCountBoundsAreValid, CheckFallbackValid).
func kedaWebhookChecks(so *scaledObject) []string {
	var out []string
	if len(so.Spec.Triggers) == 0 {
		out = append(out, "no triggers defined in the ScaledObject/ScaledJob")
	}
	names := map[string]bool{}
	for _, t := range so.Spec.Triggers {
		if t.UseCachedMetrics && (t.Type == "cpu" || t.Type == "memory" || t.Type == "cron") {
			out = append(out, fmt.Sprintf("property \"useCachedMetrics\" is not supported for %q scaler", t.Type))
		}
		if t.Name != "" {
			if names[t.Name] {
				out = append(out, fmt.Sprintf("triggerName %q is defined multiple times in the ScaledObject/ScaledJob, but it must be unique", t.Name))
			}
			names[t.Name] = true
		}
	}
	minReplicas := int32(0)
	if m := so.Spec.MinReplicaCount; m != nil {
		minReplicas = 1 // KEDA's GetHPAMinReplicas: the HPA never goes below 1
		if *m > 0 {
			minReplicas = *m
		}
	}
	maxReplicas := int32(100) // KEDA's default maxReplicaCount
	if m := so.Spec.MaxReplicaCount; m != nil {
		maxReplicas = *m
	}
	if minReplicas > maxReplicas {
		out = append(out, fmt.Sprintf("MinReplicaCount=%d must be less than MaxReplicaCount=%d", minReplicas, maxReplicas))
	}
	if i := so.Spec.IdleReplicaCount; i != nil && *i >= minReplicas {
		out = append(out, fmt.Sprintf("IdleReplicaCount=%d must be less than MinReplicaCount=%d", *i, minReplicas))
	}
	if f := so.Spec.Fallback; f != nil {
		if f.FailureThreshold < 0 || f.Replicas < 0 {
			out = append(out, fmt.Sprintf("FailureThreshold=%d & Replicas=%d must both be greater than or equal to 0", f.FailureThreshold, f.Replicas))
		}
		usingModifiers := so.Spec.Advanced != nil && len(so.Spec.Advanced.ScalingModifiers) > 0
		valid := usingModifiers
		for _, t := range so.Spec.Triggers {
			valid = valid || (t.Type != "cpu" && t.Type != "memory")
		}
		if !valid {
			out = append(out, "at least one trigger (that is not cpu or memory) has to have the `AverageValue` type for the fallback to be enabled")
		}
	}
	if so.Spec.Advanced != nil && len(so.Spec.Advanced.ScalingModifiers) > 0 {
		// KEDA compiles the formula with expr-lang; the chart renders none, so refuse rather than pass it unchecked.
		out = append(out, "advanced.scalingModifiers is not rendered by this chart and is not checked here")
	}
	return out
}

func crdList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
