//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/docker/docker/client"
)

// TestTutorial walks the "Kubernetes Basics" tutorial on a 1+1 cluster with the
// commands and images of the README's "Learn Kubernetes with kubelab" section, using
// kubelab's own kubectl (`kubelab kubectl --`), as a learner without kubectl would. One
// subtest per module, in the tutorial's order, on one cluster.
func TestTutorial(t *testing.T) {
	api := requireDocker(t)
	c := newTestCluster(t, "e2e-tut")
	c.create(t, "--name", c.name, "--workers", "1")
	tut := &tutorial{testCluster: c, api: api}

	// Every later module uses the app deployed here.
	if !t.Run("deploy an app", tut.deploy) {
		t.FailNow()
	}
	t.Run("kubectl proxy reaches the pod", tut.proxy)
	t.Run("explore: logs and exec", tut.explore)
	// The update and Ingress modules reach the app through the Service created here.
	if !t.Run("expose: NodePort and service --url", tut.expose) {
		t.FailNow()
	}
	t.Run("labels", tut.labels)
	t.Run("scale", tut.scale)
	t.Run("rolling update, bad image, rollback", tut.update)
	t.Run("services and DNS from busybox", tut.servicesAndDNS)
	t.Run("persistent volume", tut.storage)
	t.Run("ingress by host name", tut.ingress)
	t.Run("kubectl top", tut.top)
	t.Run("addons", tut.addons)
	t.Run("load docker-image", tut.load)
	t.Run("dashboard in a browser", tut.dashboard)
}

// tutorial is TestTutorial's cluster and what its modules share: the first pod of the
// kubernetes-bootcamp Deployment.
type tutorial struct {
	*testCluster
	api *client.Client
	pod string
}

// nodePort is the port of the Service kubernetes-bootcamp on every node.
func (tut *tutorial) nodePort(t *testing.T) string {
	t.Helper()
	return strings.Trim(tut.kubectl(t, "get", "services/kubernetes-bootcamp", "-o", "go-template={{(index .spec.ports 0).nodePort}}"), "'\n")
}

// Module 2: a Deployment of the bootcamp app rolls out one ready pod.
func (tut *tutorial) deploy(t *testing.T) {
	tut.kubectl(t, "create", "deployment", "kubernetes-bootcamp", "--image=kubelab/bootcamp:v1")
	tut.kubectl(t, "rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
	if out := tut.kubectl(t, "get", "deployments"); !strings.Contains(out, "kubernetes-bootcamp   1/1") {
		t.Errorf("get deployments:\n%s", out)
	}
	tut.pod = tut.kubectl(t, "get", "pods", "-l", "app=kubernetes-bootcamp", "-o", "go-template", "--template", "{{range .items}}{{.metadata.name}}{{end}}")
}

// Module 2: `kubectl proxy` on the host reaches the pod through the API server.
func (tut *tutorial) proxy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, kubelabBin, "kubectl", "--name", tut.name, "--", "proxy", "--port=0")
	cmd.Env = append(os.Environ(), tut.env...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel() // stops the proxy
		_ = cmd.Wait()
	}()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	m := regexp.MustCompile(`127\.0\.0\.1:(\d+)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("kubectl proxy said %q", line)
	}
	body := httpGetRetry(t, fmt.Sprintf("http://127.0.0.1:%s/api/v1/namespaces/default/pods/%s:8080/proxy/", m[1], tut.pod))
	if !strings.Contains(body, "Running on: "+tut.pod+" | v=1") {
		t.Errorf("through kubectl proxy: %q", body)
	}
}

// Module 3: the app's logs, and commands run in its container.
func (tut *tutorial) explore(t *testing.T) {
	if logs := tut.kubectl(t, "logs", tut.pod); !strings.Contains(logs, "Kubernetes Bootcamp App v1 started") {
		t.Errorf("logs: %q", logs)
	}
	if out := tut.kubectl(t, "exec", tut.pod, "--", "wget", "-qO-", "localhost:8080"); !strings.Contains(out, "Hello Kubernetes bootcamp!") {
		t.Errorf("exec: %q", out)
	}
	if out := tut.kubectl(t, "exec", tut.pod, "--", "sh", "-c", "echo $HOSTNAME"); strings.TrimSpace(out) != tut.pod {
		t.Errorf("exec sh: %q", out)
	}
}

// Module 4: a NodePort Service answers from the host at $(kubelab ip), `kubelab service
// --url` prints that address, and refuses a ClusterIP Service saying how to expose it.
func (tut *tutorial) expose(t *testing.T) {
	tut.kubectl(t, "expose", "deployment/kubernetes-bootcamp", "--type=NodePort", "--port", "8080")
	np := tut.nodePort(t)
	ip := tut.ip(t)
	if body := httpGetRetry(t, "http://"+ip+":"+np+"/"); !strings.Contains(body, "v=1") {
		t.Errorf("$(kubelab ip):%s answered %q", np, body)
	}
	r := kubelab(t, tut.env, "service", "kubernetes-bootcamp", "--name", tut.name, "--url")
	if url := strings.TrimSpace(r.stdout); r.err != nil || url != "http://"+ip+":"+np {
		t.Errorf("kubelab service --url printed %q (%v)", r.stdout, r.err)
	}
	tut.kubectl(t, "create", "service", "clusterip", "internal", "--tcp=80:8080")
	r = kubelab(t, tut.env, "service", "internal", "--name", tut.name, "--url")
	if r.err == nil || !strings.Contains(r.stderr, "ClusterIP") || !strings.Contains(r.stderr, "--type=NodePort") {
		t.Errorf("service --url of a ClusterIP Service: %v %q", r.err, r.stderr)
	}
}

// Module 4: a label put on the pod selects it.
func (tut *tutorial) labels(t *testing.T) {
	tut.kubectl(t, "label", "pods", tut.pod, "version=v1")
	if out := tut.kubectl(t, "get", "pods", "-l", "version=v1", "-o", "name"); strings.TrimSpace(out) != "pod/"+tut.pod {
		t.Errorf("select by label: %q", out)
	}
}

// Module 5: scaling up gives 3 ready replicas, scaling down leaves 2 running pods.
func (tut *tutorial) scale(t *testing.T) {
	tut.kubectl(t, "scale", "deployments/kubernetes-bootcamp", "--replicas=3")
	tut.kubectl(t, "rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
	tut.waitKubectl(t, `^3\b`, "get", "deployment/kubernetes-bootcamp", "-o", "go-template={{.status.readyReplicas}}")
	tut.kubectl(t, "scale", "deployments/kubernetes-bootcamp", "--replicas=2")
	tut.waitKubectl(t, `^2$`, "get", "pods", "-l", "app=kubernetes-bootcamp", "--field-selector=status.phase=Running", "-o", "go-template={{len .items}}")
}

// Module 6: a rolling update to v2 answers v2 at the NodePort; an image that does not
// exist fails to pull; rollout undo brings v2 back.
func (tut *tutorial) update(t *testing.T) {
	ip := tut.ip(t)
	np := tut.nodePort(t)
	tut.kubectl(t, "set", "image", "deployments/kubernetes-bootcamp", "bootcamp=kubelab/bootcamp:v2")
	tut.kubectl(t, "rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
	// Old pods may answer for a moment while they terminate.
	if body := httpGetUntil(t, "http://"+ip+":"+np+"/", "v=2"); !strings.Contains(body, "v=2") {
		t.Errorf("after set image v2: %q", body)
	}
	tut.kubectl(t, "set", "image", "deployments/kubernetes-bootcamp", "bootcamp=kubelab/bootcamp:v10")
	tut.waitKubectl(t, `ErrImagePull|ImagePullBackOff`, "get", "pods", "-l", "app=kubernetes-bootcamp")
	tut.kubectl(t, "rollout", "undo", "deployments/kubernetes-bootcamp")
	tut.kubectl(t, "rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
	if img := tut.kubectl(t, "get", "deployment/kubernetes-bootcamp", "-o", "go-template={{(index .spec.template.spec.containers 0).image}}"); img != "kubelab/bootcamp:v2" {
		t.Errorf("after undo the image is %q", img)
	}
}

// The services and networking pages: a busybox pod reaches a ReplicaSet's Service by
// short and full name and resolves an ExternalName Service; two containers of one pod
// talk over localhost.
func (tut *tutorial) servicesAndDNS(t *testing.T) {
	tut.apply(t, `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: echo-rs}
spec:
  replicas: 2
  selector: {matchLabels: {app: echo-rs}}
  template:
    metadata: {labels: {app: echo-rs}}
    spec:
      containers: [{name: echo, image: "kubelab/echo:1.0", ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo-rs}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: docs}
spec: {type: ExternalName, externalName: kubernetes.default.svc.cluster.local}
---
apiVersion: v1
kind: Pod
metadata: {name: two-containers}
spec:
  containers:
  - {name: web, image: "nginx:1.22"}
  - {name: sidecar, image: "busybox:1.35", command: ["sh", "-c", "while true; do wget -qO- localhost:80 >/dev/null && echo ok; sleep 2; done"]}
`)
	tut.waitKubectl(t, `^2$`, "get", "rs/echo-rs", "-o", "go-template={{.status.readyReplicas}}")
	tut.kubectl(t, "run", "bb", "--image=busybox:1.35", "--restart=Never", "--", "sh", "-c",
		"wget -qO- http://echo/ && wget -qO- http://echo.default.svc.cluster.local/ && nslookup docs.default.svc.cluster.local")
	tut.waitKubectl(t, `Succeeded|Failed`, "get", "pod/bb", "-o", "go-template={{.status.phase}}")
	out := tut.kubectl(t, "logs", "bb")
	if strings.Count(out, "Hello from kubelab-echo") != 2 || !strings.Contains(out, "canonical name = kubernetes.default.svc.cluster.local") {
		t.Errorf("busybox client:\n%s", out)
	}
	tut.waitKubectl(t, `ok`, "logs", "two-containers", "-c", "sidecar")
}

// The storage page: a claim is bound by the default class; what one pod writes, another
// pod reads, and it lives on the node's /var volume.
func (tut *tutorial) storage(t *testing.T) {
	// The same claim and writer pod as the lifecycle tests (pvWriter).
	manifest := pvWriter
	tut.apply(t, manifest)
	tut.waitKubectl(t, `Succeeded`, "get", "pod/writer", "-o", "go-template={{.status.phase}}")
	if out := tut.kubectl(t, "get", "pvc/data", "-o", "go-template={{.status.phase}} {{.spec.storageClassName}}"); out != "Bound standard" {
		t.Errorf("claim: %q, want it Bound by the default class", out)
	}
	node := tut.kubectl(t, "get", "pod/writer", "-o", "go-template={{.spec.nodeName}}")
	reader := strings.ReplaceAll(strings.ReplaceAll(manifest[strings.Index(manifest, "---"):], "writer", "reader"),
		`echo kept-on-disk > /data/file`, `cat /data/file`)
	tut.apply(t, reader)
	tut.waitKubectl(t, `Succeeded`, "get", "pod/reader", "-o", "go-template={{.status.phase}}")
	if out := tut.kubectl(t, "logs", "reader"); strings.TrimSpace(out) != "kept-on-disk" {
		t.Errorf("reader got %q", out)
	}
	// The data lives on the node's /var volume.
	if out := dockerExec(t, tut.api, node, "sh", "-c", "cat /var/local-path-provisioner/*/file"); strings.TrimSpace(out) != "kept-on-disk" {
		t.Errorf("on node %s: %q", node, out)
	}
}

// Ingress: a plain networking.k8s.io/v1 Ingress gets the default class and is routed by
// Host header on ports 80 and 443 of the node `kubelab ip` prints, which `kubectl get
// ingress` shows; an Ingress naming the class nginx works too.
func (tut *tutorial) ingress(t *testing.T) {
	ip := tut.ip(t)
	tut.kubectl(t, "create", "ingress", "bootcamp", "--rule=bootcamp.example/*=kubernetes-bootcamp:8080")
	if out := tut.kubectl(t, "get", "ingress/bootcamp", "-o", "go-template={{.spec.ingressClassName}}"); out != "traefik" {
		t.Errorf("a new Ingress got class %q, want the default class traefik", out)
	}
	if body := httpGetHost(t, "http://"+ip+"/", "bootcamp.example", 200); !strings.Contains(body, "Hello Kubernetes bootcamp!") {
		t.Errorf("http://%s/ with Host bootcamp.example answered %q", ip, body)
	}
	httpGetHost(t, "http://"+ip+"/", "other.example", 404)
	if body := httpGetHost(t, "https://"+ip+"/", "bootcamp.example", 200); !strings.Contains(body, "Hello Kubernetes bootcamp!") {
		t.Errorf("https://%s/ with Host bootcamp.example answered %q", ip, body)
	}
	// `kubectl get ingress` shows where the Ingress answers.
	tut.waitKubectl(t, `^`+regexp.QuoteMeta(ip)+`$`, "get", "ingress/bootcamp", "-o", "go-template={{range .status.loadBalancer.ingress}}{{.ip}}{{end}}")
	// Tutorials written for ingress-nginx name its class.
	tut.kubectl(t, "create", "ingress", "legacy", "--class=nginx", "--rule=legacy.example/*=kubernetes-bootcamp:8080")
	if body := httpGetHost(t, "http://"+ip+"/", "legacy.example", 200); !strings.Contains(body, "Hello Kubernetes bootcamp!") {
		t.Errorf("ingressClassName nginx: %q", body)
	}
}

// `kubectl top` shows the nodes' and pods' use (metrics-server).
func (tut *tutorial) top(t *testing.T) {
	tut.waitKubectl(t, tut.name+`-control-plane\s+\d+m\s+\d+%\s+\d+Mi`, "top", "nodes")
	tut.waitKubectl(t, `kube-apiserver-`+tut.name+`-control-plane\s+\d+m\s+\d+Mi`, "top", "pods", "-n", "kube-system")
}

// Every add-on is enabled and ready; disabling metrics-server stops `kubectl top`,
// enabling it brings it back; an unknown add-on is named in the error.
func (tut *tutorial) addons(t *testing.T) {
	r := kubelab(t, tut.env, "addons", "list", "--name", tut.name)
	for _, a := range []string{"storage", "ingress", "metrics-server", "dashboard"} {
		if !regexp.MustCompile(`(?m)^` + a + `\s+1/1 ready`).MatchString(r.stdout) {
			t.Errorf("addons list: %s not enabled and ready:\n%s%s", a, r.stdout, r.stderr)
		}
	}
	if r := kubelab(t, tut.env, "addons", "disable", "metrics-server", "--name", tut.name); r.err != nil {
		t.Fatalf("disable: %v %s", r.err, r.stderr)
	}
	if out := kubelab(t, tut.env, "addons", "list", "--name", tut.name).stdout; !regexp.MustCompile(`(?m)^metrics-server\s+disabled`).MatchString(out) {
		t.Errorf("after disable:\n%s", out)
	}
	if r := kubelab(t, tut.env, "kubectl", "--name", tut.name, "--", "top", "nodes"); r.err == nil {
		t.Errorf("kubectl top answered with metrics-server disabled:\n%s", r.stdout)
	}
	if r := kubelab(t, tut.env, "addons", "enable", "metrics-server", "--name", tut.name); r.err != nil {
		t.Fatalf("enable: %v %s", r.err, r.stderr)
	}
	tut.waitKubectl(t, tut.name+`-control-plane\s+\d+m`, "top", "nodes")
	r = kubelab(t, tut.env, "addons", "enable", "dashbaord", "--name", tut.name)
	if r.err == nil || !strings.Contains(r.stderr, `no add-on named "dashbaord"`) {
		t.Errorf("unknown add-on: %v %q", r.err, r.stderr)
	}
}

// An image built on the host runs in the cluster after `kubelab load docker-image`; an
// image the host lacks is a clear error.
func (tut *tutorial) load(t *testing.T) {
	ref := "e2e-loaded/app:" + tut.name
	buildImage(t, tut.api, ref, "FROM busybox:1.35\nCMD [\"sh\", \"-c\", \"echo loaded-image-works; sleep 3600\"]\n")
	if r := kubelab(t, tut.env, "load", "docker-image", ref, "--name", tut.name); r.err != nil {
		t.Fatalf("load: %v %s", r.err, r.stderr)
	}
	tut.kubectl(t, "run", "loaded", "--image="+ref, "--image-pull-policy=Never")
	tut.waitKubectl(t, `loaded-image-works`, "logs", "loaded")
	r := kubelab(t, tut.env, "load", "docker-image", "e2e-loaded/missing:1", "--name", tut.name)
	if r.err == nil || !strings.Contains(r.stderr, "not in the host's Docker") {
		t.Errorf("loading a missing image: %v %q", r.err, r.stderr)
	}
}
