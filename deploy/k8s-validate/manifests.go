package main

// Kubernetes manifests (helm template output): every built-in object is decoded strictly into its Go type
// (k8s.io/api through client-go's scheme; the Prometheus Operator's ServiceMonitor through its own
// module's types), and custom resources of the CRDs given with -crd (KEDA's ScaledObject) are validated
// against the CRD's OpenAPI schema (crd.go), so an unknown or misspelt field, a duplicate field, a wrong
// type or an unparsable quantity is an error, as the API server would refuse it. Then the
// cross-object rules a single schema cannot express: selectors that select something, named ports
// that exist, references to ConfigMaps the chart renders, one autoscaler per workload, and the
// restricted Pod Security profile.

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/promql/parser"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	sigsyaml "sigs.k8s.io/yaml"
)

type object struct {
	file string
	kind string
	name string
	ns   string
	obj  any // a k8s.io/api or Prometheus Operator type, or *scaledObject
}

func (o object) ref() string { return fmt.Sprintf("%s: %s/%s", o.file, o.kind, o.name) }

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, monitoringv1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

func runManifests(args []string) {
	fs := flag.NewFlagSet("manifests", flag.ExitOnError)
	require := fs.String("require", "", "comma-separated kinds that must be present (e.g. ScaledObject,ServiceMonitor)")
	forbid := fs.String("forbid", "", "comma-separated kinds that must be absent")
	crdFiles := fs.String("crd", "", "comma-separated CustomResourceDefinition files whose custom resources may appear")
	_ = fs.Parse(args)
	if fs.NArg() == 0 {
		usage()
	}
	p := &problems{}
	crds, err := loadCRDs(crdList(*crdFiles))
	if err != nil {
		fmt.Fprintf(os.Stderr, "manifests: %v\n", err)
		os.Exit(1)
	}
	scheme := newScheme()
	// Strict: unknown fields and duplicate fields are errors, as with kubectl --validate=strict.
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

	var objects []object
	for _, file := range fs.Args() {
		objects = append(objects, decodeFile(file, decoder, crds, p)...)
	}

	counts := map[string]int{}
	seen := map[string]string{}
	for _, o := range objects {
		counts[o.kind]++
		key := o.kind + "/" + o.ns + "/" + o.name
		if prev, dup := seen[key]; dup {
			p.addf("%s: duplicate object (also in %s)", o.ref(), prev)
		}
		seen[key] = o.file
		checkMeta(o, p)
	}
	checkRelations(objects, p)

	for _, k := range splitList(*require) {
		if counts[k] == 0 {
			p.addf("expected at least one %s in the rendered manifests, found none", k)
		}
	}
	for _, k := range splitList(*forbid) {
		if counts[k] > 0 {
			p.addf("expected no %s in the rendered manifests, found %d", k, counts[k])
		}
	}
	p.exit("manifests")

	var summary []string
	for _, k := range sortedKeys(counts) {
		summary = append(summary, fmt.Sprintf("%d %s", counts[k], k))
	}
	fmt.Printf("manifests: %s valid: %s\n", plural(len(objects), "object"), strings.Join(summary, ", "))
	if secrets := secretRefs(objects); len(secrets) > 0 {
		fmt.Printf("manifests: Secrets the release expects to exist: %s\n", strings.Join(secrets, ", "))
	}
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func decodeFile(file string, decoder runtime.Decoder, crds crdSchemas, p *problems) []object {
	f, err := os.Open(file)
	if err != nil {
		p.addf("%s: %v", file, err)
		return nil
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var out []object
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.addf("%s: document %d: %v", file, i, err)
			break
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := sigsyaml.Unmarshal(doc, &head); err != nil {
			p.addf("%s: document %d is not YAML: %v", file, i, err)
			continue
		}
		where := fmt.Sprintf("%s: document %d (%s %s/%s)", file, i, head.APIVersion, head.Kind, head.Metadata.Name)
		if crd, ok := crds[schema.FromAPIVersionAndKind(head.APIVersion, head.Kind)]; ok {
			if !crd.validateCustomResource(doc, where, p) {
				continue
			}
			var obj any = &unstructuredCR{}
			if head.Kind == "ScaledObject" {
				obj = &scaledObject{}
			}
			if err := sigsyaml.Unmarshal(doc, obj); err != nil {
				p.addf("%s: %v", where, err)
				continue
			}
			out = append(out, object{file: file, kind: head.Kind, name: head.Metadata.Name, ns: head.Metadata.Namespace, obj: obj})
			continue
		}
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			if runtime.IsNotRegisteredError(err) || runtime.IsMissingKind(err) || runtime.IsMissingVersion(err) {
				p.addf("%s: no schema known for this apiVersion/kind: %v", where, err)
			} else {
				p.addf("%s: %v", where, err)
			}
			continue
		}
		// Decoding fills in the type; keep the kind as written for messages.
		out = append(out, object{file: file, kind: gvk.Kind, name: head.Metadata.Name, ns: head.Metadata.Namespace, obj: obj})
	}
	return out
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func checkMeta(o object, p *problems) {
	accessor, ok := o.obj.(metav1.Object)
	if !ok {
		return
	}
	name := accessor.GetName()
	if name == "" {
		p.addf("%s: metadata.name is empty", o.ref())
	}
	nameRule := validation.IsDNS1123Subdomain
	if o.kind == "Service" {
		nameRule = validation.IsDNS1035Label
	}
	for _, msg := range nameRule(name) {
		p.addf("%s: metadata.name %q: %s", o.ref(), name, msg)
	}
	if ns := accessor.GetNamespace(); ns != "" {
		for _, msg := range validation.IsDNS1123Label(ns) {
			p.addf("%s: metadata.namespace %q: %s", o.ref(), ns, msg)
		}
	}
	checkLabels(o.ref()+": metadata.labels", accessor.GetLabels(), p)
	for k := range accessor.GetAnnotations() {
		for _, msg := range validation.IsQualifiedName(strings.ToLower(k)) {
			p.addf("%s: metadata.annotations key %q: %s", o.ref(), k, msg)
		}
	}
}

func checkLabels(where string, l map[string]string, p *problems) {
	for k, v := range l {
		for _, msg := range validation.IsQualifiedName(k) {
			p.addf("%s key %q: %s", where, k, msg)
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			p.addf("%s[%q] value %q: %s", where, k, v, msg)
		}
	}
}

// unstructuredCR is a custom resource of a CRD given with -crd that no cross-check reads.
type unstructuredCR struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
}

// workload is a Deployment seen through what other objects refer to.
type workload struct {
	o       object
	d       *appsv1.Deployment
	podTmpl labels.Set
}

func checkRelations(objects []object, p *problems) {
	var workloads []workload
	configMaps := map[string]*corev1.ConfigMap{}
	services := map[string]*corev1.Service{}
	serviceAccounts := map[string]bool{}
	scaledBy := map[string][]string{}

	for _, o := range objects {
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			workloads = append(workloads, workload{o: o, d: v, podTmpl: labels.Set(v.Spec.Template.Labels)})
		case *corev1.ConfigMap:
			configMaps[v.Name] = v
		case *corev1.Service:
			services[v.Name] = v
		case *corev1.ServiceAccount:
			serviceAccounts[v.Name] = true
		}
	}
	deployment := func(name string) *workload {
		for i := range workloads {
			if workloads[i].d.Name == name {
				return &workloads[i]
			}
		}
		return nil
	}
	selects := func(where string, sel *metav1.LabelSelector) []*workload {
		if sel == nil {
			p.addf("%s: selector is missing", where)
			return nil
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			p.addf("%s: selector: %v", where, err)
			return nil
		}
		var hit []*workload
		for i := range workloads {
			if s.Matches(workloads[i].podTmpl) {
				hit = append(hit, &workloads[i])
			}
		}
		return hit
	}

	for _, w := range workloads {
		checkDeployment(w, configMaps, serviceAccounts, p)
	}

	for _, o := range objects {
		switch v := o.obj.(type) {
		case *corev1.Service:
			if len(v.Spec.Selector) == 0 {
				p.addf("%s: spec.selector is empty", o.ref())
				continue
			}
			hits := selects(o.ref()+": spec.selector", &metav1.LabelSelector{MatchLabels: v.Spec.Selector})
			if len(hits) == 0 {
				p.addf("%s: spec.selector %v selects no Deployment's pods", o.ref(), v.Spec.Selector)
			}
			for _, port := range v.Spec.Ports {
				for _, w := range hits {
					if !containerHasPort(w.d.Spec.Template.Spec.Containers, port.TargetPort, port.Port) {
						p.addf("%s: port %q targetPort %s is not a port of Deployment %s's containers", o.ref(), port.Name, port.TargetPort.String(), w.d.Name)
					}
				}
			}
		case *policyv1.PodDisruptionBudget:
			if len(selects(o.ref()+": spec.selector", v.Spec.Selector)) == 0 {
				p.addf("%s: spec.selector selects no Deployment's pods", o.ref())
			}
			if v.Spec.MinAvailable != nil && v.Spec.MaxUnavailable != nil {
				p.addf("%s: set minAvailable or maxUnavailable, not both", o.ref())
			}
		case *networkingv1.NetworkPolicy:
			if len(selects(o.ref()+": spec.podSelector", &v.Spec.PodSelector)) == 0 {
				p.addf("%s: spec.podSelector selects no Deployment's pods", o.ref())
			}
			if len(v.Spec.PolicyTypes) == 0 {
				p.addf("%s: spec.policyTypes is empty (say Ingress and/or Egress explicitly)", o.ref())
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := v.Spec.ScaleTargetRef
			if ref.Kind != "Deployment" || deployment(ref.Name) == nil {
				p.addf("%s: scaleTargetRef %s/%s is not a Deployment of this release", o.ref(), ref.Kind, ref.Name)
			} else {
				scaledBy[ref.Name] = append(scaledBy[ref.Name], o.ref())
			}
			if v.Spec.MinReplicas != nil && *v.Spec.MinReplicas > v.Spec.MaxReplicas {
				p.addf("%s: minReplicas %d > maxReplicas %d", o.ref(), *v.Spec.MinReplicas, v.Spec.MaxReplicas)
			}
			if len(v.Spec.Metrics) == 0 {
				p.addf("%s: spec.metrics is empty", o.ref())
			}
		case *scaledObject:
			checkScaledObject(o, v, p)
			if ref := v.Spec.ScaleTargetRef; ref != nil {
				kind := ref.Kind
				if kind == "" {
					kind = "Deployment"
				}
				if kind != "Deployment" || deployment(ref.Name) == nil {
					p.addf("%s: scaleTargetRef %s/%s is not a Deployment of this release", o.ref(), kind, ref.Name)
				} else {
					scaledBy[ref.Name] = append(scaledBy[ref.Name], o.ref())
				}
			}
		case *monitoringv1.ServiceMonitor:
			s, err := metav1.LabelSelectorAsSelector(&v.Spec.Selector)
			if err != nil {
				p.addf("%s: spec.selector: %v", o.ref(), err)
				continue
			}
			var matched []*corev1.Service
			for _, svc := range services {
				if s.Matches(labels.Set(svc.Labels)) {
					matched = append(matched, svc)
				}
			}
			if len(matched) == 0 {
				p.addf("%s: spec.selector selects no Service of this release", o.ref())
			}
			if len(v.Spec.Endpoints) == 0 {
				p.addf("%s: spec.endpoints is empty", o.ref())
			}
			for i, ep := range v.Spec.Endpoints {
				if ep.Port == "" {
					p.addf("%s: spec.endpoints[%d].port: name the Service port to scrape", o.ref(), i)
					continue
				}
				for _, svc := range matched {
					found := false
					for _, sp := range svc.Spec.Ports {
						found = found || sp.Name == ep.Port
					}
					if !found {
						p.addf("%s: spec.endpoints[%d].port %q is not a port name of Service %s", o.ref(), i, ep.Port, svc.Name)
					}
				}
			}
		}
	}

	for name, by := range scaledBy {
		if len(by) > 1 {
			p.addf("Deployment %s is scaled by more than one autoscaler (%s): they would fight", name, strings.Join(by, "; "))
		}
		if d := deployment(name); d != nil && d.d.Spec.Replicas != nil {
			p.addf("%s: spec.replicas is set although %s scales it (every upgrade would reset the replica count)", d.o.ref(), by[0])
		}
	}
}

func containerHasPort(containers []corev1.Container, target intstr.IntOrString, servicePort int32) bool {
	for _, c := range containers {
		for _, cp := range c.Ports {
			switch {
			case target.Type == intstr.String && target.StrVal != "" && cp.Name == target.StrVal:
				return true
			case target.Type == intstr.Int && target.IntVal != 0 && cp.ContainerPort == target.IntVal:
				return true
			case target.Type == intstr.Int && target.IntVal == 0 && cp.ContainerPort == servicePort:
				return true
			}
		}
	}
	return false
}

func checkDeployment(w workload, configMaps map[string]*corev1.ConfigMap, serviceAccounts map[string]bool, p *problems) {
	d, where := w.d, w.o.ref()
	if d.Spec.Selector == nil {
		p.addf("%s: spec.selector is missing", where)
	} else if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil {
		p.addf("%s: spec.selector: %v", where, err)
	} else if !s.Matches(w.podTmpl) {
		p.addf("%s: spec.selector does not match spec.template.metadata.labels (the API server refuses this)", where)
	}
	checkLabels(where+": spec.template.metadata.labels", d.Spec.Template.Labels, p)
	pod := d.Spec.Template.Spec
	if sa := pod.ServiceAccountName; sa != "" && sa != "default" && !serviceAccounts[sa] {
		p.addf("%s: serviceAccountName %q is not rendered by this release", where, sa)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		p.addf("%s: host namespaces are not allowed (restricted pod security)", where)
	}
	podSC := pod.SecurityContext
	podNonRoot := podSC != nil && podSC.RunAsNonRoot != nil && *podSC.RunAsNonRoot
	podSeccomp := podSC != nil && podSC.SeccompProfile != nil && podSC.SeccompProfile.Type != corev1.SeccompProfileTypeUnconfined

	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = v
		if v.HostPath != nil {
			p.addf("%s: volume %q is a hostPath (restricted pod security)", where, v.Name)
		}
		if v.ConfigMap != nil && configMaps[v.ConfigMap.Name] == nil && (v.ConfigMap.Optional == nil || !*v.ConfigMap.Optional) {
			p.addf("%s: volume %q refers to ConfigMap %q, which this release does not render", where, v.Name, v.ConfigMap.Name)
		}
	}
	if len(pod.Containers) == 0 {
		p.addf("%s: no containers", where)
	}
	for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		cw := fmt.Sprintf("%s: container %q", where, c.Name)
		if c.Image == "" || strings.HasSuffix(c.Image, ":") {
			p.addf("%s: image %q has no tag", cw, c.Image)
		}
		sc := c.SecurityContext
		if sc == nil {
			p.addf("%s: securityContext is missing", cw)
			continue
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			p.addf("%s: securityContext.allowPrivilegeEscalation must be false", cw)
		}
		if sc.Privileged != nil && *sc.Privileged {
			p.addf("%s: privileged containers are not allowed", cw)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			p.addf("%s: securityContext.readOnlyRootFilesystem must be true", cw)
		}
		if !(podNonRoot || (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot)) {
			p.addf("%s: runAsNonRoot must be true (pod or container securityContext)", cw)
		}
		if (sc.RunAsUser != nil && *sc.RunAsUser == 0) || (podSC != nil && podSC.RunAsUser != nil && *podSC.RunAsUser == 0) {
			p.addf("%s: runAsUser 0 (root)", cw)
		}
		if !(podSeccomp || (sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeUnconfined)) {
			p.addf("%s: seccompProfile RuntimeDefault (or Localhost) must be set", cw)
		}
		dropsAll := false
		if sc.Capabilities != nil {
			for _, cap := range sc.Capabilities.Drop {
				dropsAll = dropsAll || cap == "ALL"
			}
			if len(sc.Capabilities.Add) > 0 {
				p.addf("%s: capabilities.add %v (restricted pod security allows none we need)", cw, sc.Capabilities.Add)
			}
		}
		if !dropsAll {
			p.addf("%s: capabilities.drop must contain ALL", cw)
		}
		checkResources(cw, c.Resources, p)
		for _, e := range c.Env {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				p.addf("%s: env %q: %s", cw, e.Name, msg)
			}
			if e.ValueFrom != nil && e.ValueFrom.ConfigMapKeyRef != nil {
				ref := e.ValueFrom.ConfigMapKeyRef
				if cm := configMaps[ref.Name]; cm == nil {
					p.addf("%s: env %q refers to ConfigMap %q, which this release does not render", cw, e.Name, ref.Name)
				} else if _, ok := cm.Data[ref.Key]; !ok {
					p.addf("%s: env %q refers to key %q, which ConfigMap %q does not have", cw, e.Name, ref.Key, ref.Name)
				}
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.ConfigMapRef != nil && configMaps[ef.ConfigMapRef.Name] == nil && (ef.ConfigMapRef.Optional == nil || !*ef.ConfigMapRef.Optional) {
				p.addf("%s: envFrom ConfigMap %q is not rendered by this release", cw, ef.ConfigMapRef.Name)
			}
		}
		for _, m := range c.VolumeMounts {
			if _, ok := volumes[m.Name]; !ok {
				p.addf("%s: volumeMount %q has no volume of that name", cw, m.Name)
			}
		}
		ports := map[string]int32{}
		for _, cp := range c.Ports {
			if cp.Name != "" {
				for _, msg := range validation.IsValidPortName(cp.Name) {
					p.addf("%s: port name %q: %s", cw, cp.Name, msg)
				}
				ports[cp.Name] = cp.ContainerPort
			}
		}
		isInit := false
		for _, ic := range pod.InitContainers {
			isInit = isInit || ic.Name == c.Name
		}
		if isInit {
			continue
		}
		for name, probe := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe, "startupProbe": c.StartupProbe} {
			if probe == nil {
				if name != "startupProbe" {
					p.addf("%s: %s is missing", cw, name)
				}
				continue
			}
			if h := probe.HTTPGet; h != nil {
				if h.Port.Type == intstr.String {
					if _, ok := ports[h.Port.StrVal]; !ok {
						p.addf("%s: %s.httpGet.port %q is not a named port of the container", cw, name, h.Port.StrVal)
					}
				}
				if !strings.HasPrefix(h.Path, "/") {
					p.addf("%s: %s.httpGet.path %q must start with /", cw, name, h.Path)
				}
			}
		}
	}
}

func checkResources(where string, r corev1.ResourceRequirements, p *problems) {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := r.Requests[name]; !ok {
			p.addf("%s: resources.requests.%s is not set", where, name)
		}
	}
	if _, ok := r.Limits[corev1.ResourceMemory]; !ok {
		p.addf("%s: resources.limits.memory is not set", where)
	}
	for name, limit := range r.Limits {
		if req, ok := r.Requests[name]; ok && req.Cmp(limit) > 0 {
			p.addf("%s: resources.requests.%s (%s) exceeds the limit (%s)", where, name, req.String(), limit.String())
		}
	}
}

// checkScaledObject runs the checks of KEDA's admission webhook that need no cluster (crd.go) and checks
// the trigger metadata of the scalers the chart uses: KEDA would only refuse those at run time, in its
// operator log.
func checkScaledObject(o object, so *scaledObject, p *problems) {
	if so.Spec.ScaleTargetRef == nil || so.Spec.ScaleTargetRef.Name == "" {
		p.addf("%s: spec.scaleTargetRef.name is required", o.ref())
	}
	for _, msg := range kedaWebhookChecks(so) {
		p.addf("%s: %s", o.ref(), msg)
	}
	for i, t := range so.Spec.Triggers {
		tw := fmt.Sprintf("%s: spec.triggers[%d] (%s)", o.ref(), i, t.Type)
		need := func(keys ...string) {
			for _, k := range keys {
				if strings.TrimSpace(t.Metadata[k]) == "" {
					p.addf("%s: metadata.%s is required", tw, k)
				}
			}
		}
		positive := func(keys ...string) {
			for _, k := range keys {
				if v, ok := t.Metadata[k]; ok {
					if f, err := strconv.ParseFloat(v, 64); err != nil || f < 0 {
						p.addf("%s: metadata.%s %q is not a non-negative number", tw, k, v)
					}
				}
			}
		}
		switch t.Type {
		case "kafka", "apache-kafka":
			need("bootstrapServers", "consumerGroup", "lagThreshold")
			positive("lagThreshold", "activationLagThreshold")
			if v, ok := t.Metadata["offsetResetPolicy"]; ok && v != "earliest" && v != "latest" {
				p.addf("%s: metadata.offsetResetPolicy %q must be earliest or latest", tw, v)
			}
			for _, k := range []string{"allowIdleConsumers", "excludePersistentLag", "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag"} {
				if v, ok := t.Metadata[k]; ok && v != "true" && v != "false" {
					p.addf("%s: metadata.%s %q must be true or false", tw, k, v)
				}
			}
		case "prometheus":
			need("serverAddress", "query", "threshold")
			positive("threshold", "activationThreshold")
			if addr := t.Metadata["serverAddress"]; addr != "" && !strings.HasPrefix(addr, "http://") && !strings.HasPrefix(addr, "https://") {
				p.addf("%s: metadata.serverAddress %q must be an http(s) URL", tw, addr)
			}
			if q := t.Metadata["query"]; q != "" {
				if _, err := parser.NewParser(parser.Options{}).ParseExpr(q); err != nil {
					p.addf("%s: metadata.query is not valid PromQL: %v", tw, err)
				}
			}
		case "cpu", "memory":
			if t.MetricType == "" {
				p.addf("%s: metricType (Utilization or AverageValue) is required", tw)
			}
			need("value")
		default:
			p.addf("%s: trigger type %q is not one the chart is expected to render (kafka, prometheus, cpu, memory)", tw, t.Type)
		}
	}
}

func secretRefs(objects []object) []string {
	set := map[string]bool{}
	for _, o := range objects {
		d, ok := o.obj.(*appsv1.Deployment)
		if !ok {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					opt := ""
					if e.ValueFrom.SecretKeyRef.Optional != nil && *e.ValueFrom.SecretKeyRef.Optional {
						opt = ", optional"
					}
					set[fmt.Sprintf("%s[%s] (%s %s%s)", e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key, d.Name, e.Name, opt)] = true
				}
			}
			for _, ef := range c.EnvFrom {
				if ef.SecretRef != nil {
					set[fmt.Sprintf("%s (%s envFrom)", ef.SecretRef.Name, d.Name)] = true
				}
			}
		}
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Secret != nil {
				set[fmt.Sprintf("%s (%s volume %s)", v.Secret.SecretName, d.Name, v.Name)] = true
			}
		}
	}
	return sortedKeys(set)
}
