package main

import (
	"flag"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The interceptors the server must run (scripts/stack/spark-connect/): Spark 3.5 authenticates no client.
var connectInterceptors = []struct{ class, why string }{
	{"summarypipeline.connect.LoopbackOnly", "the server's own port must serve the pod's TLS proxy only (Spark 3.5 binds every interface)"},
	{"summarypipeline.connect.ClientTokens", "every call must carry one of the clients' tokens (Spark 3.5 authenticates no client)"},
}

// A client's URL: sc://host:port/;key=value;…
var connectURL = regexp.MustCompile(`^sc://([A-Za-z0-9.-]+):([0-9]{1,5})/;(.*)$`)
var envReference = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// runSparkConnect: the Spark Connect server of a rendered overlay (docs/security.md "Who may reach the Spark
// Connect server") — one replica with executors as pods of the namespace, its API access bound to it alone,
// client authentication (its TLS proxy, the two interceptors, a token per client from a required Secret of
// its own, TLS and the token in each client's SUMMARY_SPARK_REMOTE), and NetworkPolicies that admit only the
// clients to its TLS port and UI, and nobody to its plaintext port.
//
//	deploy-check spark-connect -server Deployment/NAME -clients Deployment/A,Deployment/B NAME RENDERED
func runSparkConnect(args []string) {
	fs := flag.NewFlagSet("spark-connect", flag.ExitOnError)
	serverName := fs.String("server", "", "the server's workload, Kind/name")
	clientList := fs.String("clients", "", "its clients' workloads, Kind/name,…")
	_ = fs.Parse(args)
	if fs.NArg() != 2 || *serverName == "" || *clientList == "" {
		usage()
	}
	name, file := fs.Arg(0), fs.Arg(1)
	var p problems
	objects := loadObjects(name, file, &p)
	clients := strings.Split(*clientList, ",")
	var server *appsv1.Deployment
	for _, o := range objects {
		if d, ok := o.value.(*appsv1.Deployment); ok && o.String() == *serverName {
			server = d
		}
	}
	if server == nil {
		p.add(name, "no %s: expected the Spark Connect server (k8s/components/spark-connect)", *serverName)
		p.exit("")
	}
	c := connectCheck{name: name, where: name + ": " + *serverName, objects: objects, server: server, clients: clients, p: &p}
	c.run()
	p.exit(fmt.Sprintf("ok %s: %s serves %s only, over TLS with a token each, behind NetworkPolicies that admit them alone; its API access is its executor pods'",
		name, *serverName, strings.Join(clients, ", ")))
}

type connectCheck struct {
	name, where string
	objects     []object
	server      *appsv1.Deployment
	clients     []string
	p           *problems

	spark       *corev1.Container
	conf        map[string]string
	bindPort    int
	clientPorts map[int]string // the server pod's ports its Service exposes → the Service port's name
	service     *corev1.Service
	grpcPort    int // the Service's port of the TLS proxy
	tokens      map[string]bool
}

func (c *connectCheck) run() {
	pod := &c.server.Spec.Template.Spec
	if c.server.Spec.Replicas == nil || *c.server.Spec.Replicas != 1 {
		c.p.add(c.where, "spec.replicas must be 1: sessions live in the driver, and a second server would split them")
	}
	if c.server.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		c.p.add(c.where, "spec.strategy.type must be Recreate (two drivers must never serve at once)")
	}
	for i := range pod.Containers {
		conf, master := sparkSubmitArgs(pod.Containers[i].Args)
		if _, ok := conf["spark.connect.grpc.binding.port"]; ok {
			c.spark, c.conf = &pod.Containers[i], conf
			c.conf["--master"] = master
		}
	}
	if c.spark == nil {
		c.p.add(c.where, "no container sets --conf spark.connect.grpc.binding.port: expected the server, on a port of its own behind the pod's TLS proxy")
		return
	}
	c.checkServerConf(pod)
	c.checkService(pod)
	c.checkTokens(pod)
	c.checkClients()
	c.checkNetworkPolicies()
	c.checkAPIAccess(pod)
}

// sparkSubmitArgs: the --conf key=value pairs and --master of a spark-submit command line.
func sparkSubmitArgs(args []string) (map[string]string, string) {
	conf, master := map[string]string{}, ""
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--conf", "-c":
			if k, v, ok := strings.Cut(args[i+1], "="); ok {
				conf[k] = v
			}
		case "--master":
			master = args[i+1]
		}
	}
	return conf, master
}

// literalEnv: a container's env variables with literal values.
func literalEnv(ctr *corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range ctr.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	return env
}

func (c *connectCheck) checkServerConf(pod *corev1.PodSpec) {
	cw := fmt.Sprintf("%s: container %s", c.where, c.spark.Name)
	env := literalEnv(c.spark)
	expand := func(s string) string {
		return envReference.ReplaceAllStringFunc(s, func(m string) string {
			if v, ok := env[m[2:len(m)-1]]; ok {
				return v
			}
			return m
		})
	}
	port, err := strconv.Atoi(c.conf["spark.connect.grpc.binding.port"])
	if err != nil {
		c.p.add(cw, "spark.connect.grpc.binding.port %q is not a port number", c.conf["spark.connect.grpc.binding.port"])
	}
	c.bindPort = port
	if !strings.HasPrefix(c.conf["--master"], "k8s://") {
		c.p.add(cw, "--master %q: expected k8s://… (the executors are pods of the namespace)", c.conf["--master"])
	}
	classes := map[string]bool{}
	for _, cl := range strings.Split(c.conf["spark.connect.grpc.interceptor.classes"], ",") {
		classes[strings.TrimSpace(cl)] = true
	}
	for _, want := range connectInterceptors {
		if !classes[want.class] {
			c.p.add(cw, "spark.connect.grpc.interceptor.classes %q lacks %s: %s", c.conf["spark.connect.grpc.interceptor.classes"], want.class, want.why)
		}
	}
	if c.conf["spark.authenticate"] != "true" {
		c.p.add(cw, "spark.authenticate must be true: the driver's RPC port, which its executors reach, then needs the secret Spark gives them")
	}
	for key, want := range map[string]string{"spark.sql.extensions": "IcebergSparkSessionExtensions", "spark.scheduler.mode": "FAIR"} {
		if !strings.Contains(c.conf[key], want) {
			c.p.add(cw, "%s %q: expected %s (the runner refuses a server without it)", key, c.conf[key], want)
		}
	}
	if image := expand(c.conf["spark.kubernetes.container.image"]); image != c.spark.Image {
		c.p.add(cw, "spark.kubernetes.container.image %q (the executors') is not the server's image %q: one build, one Spark version", image, c.spark.Image)
	}
	template := c.conf["spark.kubernetes.executor.podTemplateFile"]
	if template == "" {
		c.p.add(cw, "no spark.kubernetes.executor.podTemplateFile: the executors need a template that drops the API token and hardens them")
		return
	}
	c.checkExecutorTemplate(cw, pod, template)
}

// checkExecutorTemplate: the executors' pod template, a file of a ConfigMap the server mounts, decodes strictly
// as a Pod that mounts no API token and runs as non-root.
func (c *connectCheck) checkExecutorTemplate(cw string, pod *corev1.PodSpec, file string) {
	volume := ""
	for _, m := range c.spark.VolumeMounts {
		if m.MountPath == path.Dir(file) {
			volume = m.Name
		}
	}
	var cmName string
	for _, v := range pod.Volumes {
		if v.Name == volume && v.ConfigMap != nil {
			cmName = v.ConfigMap.Name
		}
	}
	var data string
	found := false
	for _, o := range c.objects {
		if cm, ok := o.value.(*corev1.ConfigMap); ok && o.name == cmName {
			data, found = cm.Data[path.Base(file)]
		}
	}
	if !found {
		c.p.add(cw, "spark.kubernetes.executor.podTemplateFile %s is no file of a ConfigMap of these manifests mounted at %s", file, path.Dir(file))
		return
	}
	var tpl corev1.Pod
	for _, e := range strictDecode([]byte(data), &tpl) {
		c.p.add(cw, "executor pod template %s: %s", file, e)
	}
	if tpl.Spec.AutomountServiceAccountToken == nil || *tpl.Spec.AutomountServiceAccountToken {
		c.p.add(cw, "executor pod template %s: automountServiceAccountToken must be false (the executors use no API; the driver's account may create pods)", file)
	}
	if sc := tpl.Spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		c.p.add(cw, "executor pod template %s: securityContext.runAsNonRoot must be true", file)
	}
}

// checkService: the server's Service exposes the TLS proxy and the UI, never the server's own port.
func (c *connectCheck) checkService(pod *corev1.PodSpec) {
	c.clientPorts = map[int]string{}
	podLabels := labels.Set(c.server.Spec.Template.Labels)
	for _, o := range c.objects {
		svc, ok := o.value.(*corev1.Service)
		if !ok || len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
			continue
		}
		c.service = svc
		sw := c.name + ": " + o.String()
		for _, sp := range svc.Spec.Ports {
			ctr, number := containerPort(pod, sp.TargetPort.String(), int(sp.Port))
			c.clientPorts[number] = sp.Name
			switch {
			case number == c.bindPort:
				c.p.add(sw, "port %s reaches the server's own port %d: clients reach it only through the pod's TLS proxy", sp.Name, number)
			case ctr == nil:
				c.p.add(sw, "port %s: no container of %s has port %s", sp.Name, c.where, sp.TargetPort.String())
			case ctr.Name == c.spark.Name:
				if strconv.Itoa(number) != c.conf["spark.ui.port"] {
					c.p.add(sw, "port %s reaches container %s on %d, which is not its UI (spark.ui.port %q): the server's other ports are its executors'",
						sp.Name, ctr.Name, number, c.conf["spark.ui.port"])
				}
			case !mountsSecret(ctr, pod):
				c.p.add(sw, "port %s reaches container %s, which mounts no Secret: the TLS proxy needs its certificate and key", sp.Name, ctr.Name)
			default:
				c.grpcPort = int(sp.Port)
			}
		}
	}
	if c.service == nil {
		c.p.add(c.where, "no Service selects the server's pods: its clients reach it by a Service's name")
	} else if c.grpcPort == 0 {
		c.p.add(c.name+": Service/"+c.service.Name,
			"no port reaches a TLS proxy (a container of the server's pod that mounts its certificate): the 3.5 client sends its token only over TLS")
	}
}

// containerPort: the container of pod and the port number a Service's targetPort names.
func containerPort(pod *corev1.PodSpec, target string, servicePort int) (*corev1.Container, int) {
	number, err := strconv.Atoi(target)
	if target == "" || target == "0" {
		number, err = servicePort, nil
	}
	for i := range pod.Containers {
		for _, cp := range pod.Containers[i].Ports {
			if (err == nil && int(cp.ContainerPort) == number) || (err != nil && cp.Name == target) {
				return &pod.Containers[i], int(cp.ContainerPort)
			}
		}
	}
	return nil, number
}

func mountsSecret(ctr *corev1.Container, pod *corev1.PodSpec) bool {
	for _, m := range ctr.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil {
				return true
			}
		}
	}
	return false
}

// checkTokens: SPARK_CONNECT_CLIENTS_DIR is the mount of the clients' token Secrets.
func (c *connectCheck) checkTokens(pod *corev1.PodSpec) {
	c.tokens = map[string]bool{}
	cw := fmt.Sprintf("%s: container %s", c.where, c.spark.Name)
	dir := literalEnv(c.spark)["SPARK_CONNECT_CLIENTS_DIR"]
	volume := ""
	for _, m := range c.spark.VolumeMounts {
		if dir != "" && m.MountPath == dir {
			volume = m.Name
		}
	}
	for _, v := range pod.Volumes {
		if v.Name != volume {
			continue
		}
		if v.Secret != nil {
			c.tokens[v.Secret.SecretName] = true
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.Secret != nil {
					c.tokens[s.Secret.Name] = true
				}
			}
		}
	}
	if len(c.tokens) == 0 {
		c.p.add(cw, "env SPARK_CONNECT_CLIENTS_DIR %q is not the mount of the clients' token Secrets: ClientTokens reads one token per client there", dir)
	}
}

// checkClients: SUMMARY_SPARK_REMOTE only in the clients, each over TLS with its own token by reference.
func (c *connectCheck) checkClients() {
	isClient := setOf(c.clients)
	for _, o := range c.objects {
		if cm, ok := o.value.(*corev1.ConfigMap); ok {
			if _, ok := cm.Data["SUMMARY_SPARK_REMOTE"]; ok {
				c.p.add(c.name+": "+o.String(), "sets SUMMARY_SPARK_REMOTE for every workload that reads it: set it in each client, with its own token")
			}
		}
	}
	tokenOf := map[string]string{} // token Secret → client
	found := map[string]bool{}
	for _, w := range workloadPods(c.objects, nil) {
		ww := c.name + ": " + w.where
		for i := range w.pod.Containers {
			ctr := &w.pod.Containers[i]
			for _, e := range ctr.Env {
				if ref := secretKeyRef(e); ref != nil && c.tokens[ref.Name] && !isClient[w.where] {
					c.p.add(ww, "env %s reads the Spark Connect token Secret %s: only the server's clients (%s) hold a token", e.Name, ref.Name, strings.Join(c.clients, ", "))
				}
			}
			idx := envIndex(ctr, "SUMMARY_SPARK_REMOTE")
			if idx < 0 {
				continue
			}
			if !isClient[w.where] {
				c.p.add(ww, "container %s sets SUMMARY_SPARK_REMOTE but is not a client of the Spark Connect server (%s)", ctr.Name, strings.Join(c.clients, ", "))
				continue
			}
			found[w.where] = true
			c.checkClient(ww+": container "+ctr.Name, w.where, ctr, idx, tokenOf)
		}
	}
	for _, client := range c.clients {
		if !found[client] {
			c.p.add(c.name+": "+client, "sets no SUMMARY_SPARK_REMOTE: a client of the Spark Connect server names it (over TLS, with its token)")
		}
	}
	for secret := range c.tokens {
		if _, ok := tokenOf[secret]; !ok {
			c.p.add(c.where, "mounts the token Secret %s, which no client reads: a token the server accepts that no client of these manifests should hold", secret)
		}
	}
}

func envIndex(ctr *corev1.Container, name string) int {
	for i, e := range ctr.Env {
		if e.Name == name {
			return i
		}
	}
	return -1
}

func (c *connectCheck) checkClient(cw, client string, ctr *corev1.Container, idx int, tokenOf map[string]string) {
	remote := ctr.Env[idx].Value
	m := connectURL.FindStringSubmatch(remote)
	if m == nil {
		c.p.add(cw, "SUMMARY_SPARK_REMOTE %q: expected sc://<service>:<port>/;use_ssl=true;token=$(SPARK_CONNECT_TOKEN)", remote)
		return
	}
	if c.service != nil {
		host := m[1]
		svc, ns := c.service.Name, c.service.Namespace
		if host != svc && host != svc+"."+ns && host != svc+"."+ns+".svc" && host != svc+"."+ns+".svc.cluster.local" {
			c.p.add(cw, "SUMMARY_SPARK_REMOTE names host %s; expected the server's Service %s (the name its certificate carries)", host, svc)
		}
		if port, _ := strconv.Atoi(m[2]); c.grpcPort != 0 && port != c.grpcPort {
			c.p.add(cw, "SUMMARY_SPARK_REMOTE names port %s; expected %d, the Service's TLS port (the other ports are not the proxy's)", m[2], c.grpcPort)
		}
	}
	params := map[string]string{}
	for _, kv := range strings.Split(m[3], ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			params[k] = v
		}
	}
	if params["use_ssl"] != "true" {
		c.p.add(cw, "SUMMARY_SPARK_REMOTE has no use_ssl=true: the server's port is TLS, and the token travels only over TLS")
	}
	if params["token"] != "$(SPARK_CONNECT_TOKEN)" {
		c.p.add(cw, "SUMMARY_SPARK_REMOTE has token=%q; expected token=$(SPARK_CONNECT_TOKEN), "+
			"the client's own token from its Secret (never a literal in the manifests)", params["token"])
	}
	t := envIndex(ctr, "SPARK_CONNECT_TOKEN")
	var ref *corev1.SecretKeySelector
	if t >= 0 {
		ref = secretKeyRef(ctr.Env[t])
	}
	switch {
	case ref == nil:
		c.p.add(cw, "env SPARK_CONNECT_TOKEN is not read from a Secret (secretKeyRef): the client's token is its own required Secret")
	case t > idx:
		c.p.add(cw, "env SPARK_CONNECT_TOKEN comes after SUMMARY_SPARK_REMOTE: Kubernetes expands $(SPARK_CONNECT_TOKEN) only from variables defined before it")
	case !c.tokens[ref.Name]:
		c.p.add(cw, "env SPARK_CONNECT_TOKEN reads Secret %s, which the server does not mount under SPARK_CONNECT_CLIENTS_DIR: its calls would be refused", ref.Name)
	case tokenOf[ref.Name] != "" && tokenOf[ref.Name] != client:
		c.p.add(cw, "env SPARK_CONNECT_TOKEN reads Secret %s, as %s does: one token per client", ref.Name, tokenOf[ref.Name])
	default:
		tokenOf[ref.Name] = client
	}
	roots := literalEnv(ctr)["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"]
	mounted := false
	for _, vm := range ctr.VolumeMounts {
		if roots != "" && strings.HasPrefix(roots, strings.TrimSuffix(vm.MountPath, "/")+"/") {
			mounted = true
		}
	}
	if !mounted {
		c.p.add(cw, "env GRPC_DEFAULT_SSL_ROOTS_FILE_PATH %q is no file of a mounted volume: gRPC verifies the server's certificate against the CA it names", roots)
	}
}

// checkNetworkPolicies: the clients' ports admit the clients only, the driver's ports no workload of the
// manifests, the server's own port nobody; and each client is admitted.
func (c *connectCheck) checkNetworkPolicies() {
	serverLabels := labels.Set(c.server.Spec.Template.Labels)
	isClient := setOf(c.clients)
	admitted := map[string]bool{}
	self := "Deployment/" + c.server.Name
	for _, o := range c.objects {
		np, ok := o.value.(*networkingv1.NetworkPolicy)
		if !ok || !hasPolicyType(np, networkingv1.PolicyTypeIngress) {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !sel.Matches(serverLabels) {
			continue
		}
		nw := c.name + ": " + o.String()
		for i, rule := range np.Spec.Ingress {
			all := len(rule.Ports) == 0
			toClients, toServer := all, all
			var opened []string
			for _, port := range rule.Ports {
				if port.Port == nil {
					all, toClients, toServer = true, true, true
					continue
				}
				_, number := containerPort(&c.server.Spec.Template.Spec, port.Port.String(), 0)
				opened = append(opened, strconv.Itoa(number))
				if _, ok := c.clientPorts[number]; ok || all {
					toClients = true
				}
				if number == c.bindPort || all {
					toServer = true
				}
			}
			if toServer {
				c.p.add(nw, "ingress rule %d admits the server's own port %d (or every port): only the pod's TLS proxy reaches it, over loopback", i+1, c.bindPort)
			}
			if len(rule.From) == 0 {
				c.p.add(nw, "ingress rule %d has no `from:`: any pod or address reaches the server on %s", i+1, portsText(opened, all))
				continue
			}
			for j, peer := range rule.From {
				pw := fmt.Sprintf("ingress rule %d peer %d", i+1, j+1)
				if peer.IPBlock != nil || peer.NamespaceSelector != nil {
					c.p.add(nw, "%s admits addresses or other namespaces: only the pipeline's own pods (a podSelector)", pw)
					continue
				}
				psel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
				if err != nil || psel.Empty() {
					c.p.add(nw, "%s selects every pod of the namespace: name the pods it admits", pw)
					continue
				}
				for _, w := range workloadPodLabels(c.objects) {
					if !psel.Matches(w.labels) || w.where == self {
						continue
					}
					switch {
					case toClients && isClient[w.where]:
						admitted[w.where] = true
					case toClients:
						c.p.add(nw, "%s admits %s to the clients' port(s) %s: only %s", pw, w.where, portsText(opened, all), strings.Join(c.clients, ", "))
					default:
						c.p.add(nw, "%s admits %s to the driver's port(s) %s: only the server's executors", pw, w.where, portsText(opened, all))
					}
				}
			}
		}
	}
	for _, client := range c.clients {
		if !admitted[client] {
			c.p.add(c.where, "no NetworkPolicy admits %s to the server's TLS port: the namespace's default deny refuses it", client)
		}
	}
}

type labelled struct {
	where  string
	labels labels.Set
}

// workloadPodLabels: every Deployment's and CronJob's pod labels, by "Kind/name".
func workloadPodLabels(objects []object) []labelled {
	ws, _ := workloadsAndAccounts(objects)
	out := make([]labelled, 0, len(ws))
	for _, w := range ws {
		out = append(out, labelled{w.where, w.labels})
	}
	return out
}

func portsText(ports []string, all bool) string {
	if all {
		return "(every port)"
	}
	return strings.Join(ports, ", ")
}

func hasPolicyType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	for _, pt := range np.Spec.PolicyTypes {
		if pt == t {
			return true
		}
	}
	return false
}

// checkAPIAccess: the server's account is the one a RoleBinding names (what each Role may do: checkRBAC).
func (c *connectCheck) checkAPIAccess(pod *corev1.PodSpec) {
	bound := false
	for _, o := range c.objects {
		rb, ok := o.value.(*rbacv1.RoleBinding)
		if !ok {
			continue
		}
		for _, s := range rb.Subjects {
			if s.Name == pod.ServiceAccountName {
				bound = true
			} else {
				c.p.add(c.name+": "+o.String(), "binds %s %s: only the Spark Connect driver's account (%s) has API access", s.Kind, s.Name, pod.ServiceAccountName)
			}
		}
	}
	if !bound {
		c.p.add(c.where, "ServiceAccount %s is bound by no Role: the driver could not create its executor pods", pod.ServiceAccountName)
	}
}
