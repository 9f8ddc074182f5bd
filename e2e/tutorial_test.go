//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/pkg/jsonmessage"
)

// TestTutorial walks the "Kubernetes Basics" tutorial on a 1+1 cluster with the
// commands and images of the README's "Learn Kubernetes with kubelab" section, using
// kubelab's own kubectl (`kubelab kubectl --`), as a learner without kubectl would.
func TestTutorial(t *testing.T) {
	api := requireDocker(t)
	name := uniqueName("e2e-tut")
	env := []string{"KUBECONFIG=" + tempKubeconfig(t)}
	t.Cleanup(func() { kubelab(t, env, "delete", "cluster", "--name", name) })
	if r := kubelab(t, env, "create", "cluster", "--name", name, "--image", nodeImage, "--workers", "1"); r.err != nil {
		t.Fatalf("create: %v", r.err)
	}
	kc := func(args ...string) string {
		t.Helper()
		r := kubelab(t, env, append([]string{"kubectl", "--name", name, "--"}, args...)...)
		if r.err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
		}
		return r.stdout
	}
	// waitFor retries a kubectl command until its output matches.
	waitFor := func(re string, args ...string) string {
		t.Helper()
		var out string
		for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
			r := kubelab(t, env, append([]string{"kubectl", "--name", name, "--"}, args...)...)
			out = r.stdout + r.stderr
			if regexp.MustCompile(re).MatchString(out) {
				return out
			}
		}
		t.Fatalf("kubectl %s never matched %q; last output:\n%s", strings.Join(args, " "), re, out)
		return ""
	}

	// Module 2: deploy an app.
	kc("create", "deployment", "kubernetes-bootcamp", "--image=kubelab/bootcamp:v1")
	kc("rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
	if out := kc("get", "deployments"); !strings.Contains(out, "kubernetes-bootcamp   1/1") {
		t.Errorf("get deployments:\n%s", out)
	}
	pod := kc("get", "pods", "-l", "app=kubernetes-bootcamp", "-o", "go-template", "--template", "{{range .items}}{{.metadata.name}}{{end}}")

	t.Run("kubectl proxy reaches the pod", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, kubelabBin, "kubectl", "--name", name, "--", "proxy", "--port=0")
		cmd.Env = append(os.Environ(), env...)
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
		body := httpGetRetry(t, fmt.Sprintf("http://127.0.0.1:%s/api/v1/namespaces/default/pods/%s:8080/proxy/", m[1], pod))
		if !strings.Contains(body, "Running on: "+pod+" | v=1") {
			t.Errorf("through kubectl proxy: %q", body)
		}
	})

	// Module 3: explore the app.
	t.Run("logs and exec", func(t *testing.T) {
		if logs := kc("logs", pod); !strings.Contains(logs, "Kubernetes Bootcamp App v1 started") {
			t.Errorf("logs: %q", logs)
		}
		if out := kc("exec", pod, "--", "wget", "-qO-", "localhost:8080"); !strings.Contains(out, "Hello Kubernetes bootcamp!") {
			t.Errorf("exec: %q", out)
		}
		if out := kc("exec", pod, "--", "sh", "-c", "echo $HOSTNAME"); strings.TrimSpace(out) != pod {
			t.Errorf("exec sh: %q", out)
		}
	})

	// Module 4: expose it.
	t.Run("nodeport from the host", func(t *testing.T) {
		kc("expose", "deployment/kubernetes-bootcamp", "--type=NodePort", "--port", "8080")
		np := strings.Trim(kc("get", "services/kubernetes-bootcamp", "-o", "go-template={{(index .spec.ports 0).nodePort}}"), "'\n")
		ip := strings.TrimSpace(kubelab(t, env, "ip", "--name", name).stdout)
		if body := httpGetRetry(t, "http://"+ip+":"+np+"/"); !strings.Contains(body, "v=1") {
			t.Errorf("$(kubelab ip):%s answered %q", np, body)
		}
		r := kubelab(t, env, "service", "kubernetes-bootcamp", "--name", name, "--url")
		if url := strings.TrimSpace(r.stdout); r.err != nil || url != "http://"+ip+":"+np {
			t.Errorf("kubelab service --url printed %q (%v)", r.stdout, r.err)
		}
		kc("create", "service", "clusterip", "internal", "--tcp=80:8080")
		r = kubelab(t, env, "service", "internal", "--name", name, "--url")
		if r.err == nil || !strings.Contains(r.stderr, "ClusterIP") || !strings.Contains(r.stderr, "--type=NodePort") {
			t.Errorf("service --url of a ClusterIP Service: %v %q", r.err, r.stderr)
		}
	})

	t.Run("labels", func(t *testing.T) {
		kc("label", "pods", pod, "version=v1")
		if out := kc("get", "pods", "-l", "version=v1", "-o", "name"); strings.TrimSpace(out) != "pod/"+pod {
			t.Errorf("select by label: %q", out)
		}
	})

	// Module 5: scale.
	t.Run("scale", func(t *testing.T) {
		kc("scale", "deployments/kubernetes-bootcamp", "--replicas=3")
		kc("rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
		waitFor(`^3\b`, "get", "deployment/kubernetes-bootcamp", "-o", "go-template={{.status.readyReplicas}}")
		kc("scale", "deployments/kubernetes-bootcamp", "--replicas=2")
		waitFor(`^2$`, "get", "pods", "-l", "app=kubernetes-bootcamp", "--field-selector=status.phase=Running", "-o", "go-template={{len .items}}")
	})

	// Module 6: rolling update and rollback.
	t.Run("rolling update, bad image, rollback", func(t *testing.T) {
		ip := strings.TrimSpace(kubelab(t, env, "ip", "--name", name).stdout)
		np := strings.Trim(kc("get", "services/kubernetes-bootcamp", "-o", "go-template={{(index .spec.ports 0).nodePort}}"), "'\n")
		kc("set", "image", "deployments/kubernetes-bootcamp", "bootcamp=kubelab/bootcamp:v2")
		kc("rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
		// Old pods may answer for a moment while they terminate.
		if body := httpGetUntil(t, "http://"+ip+":"+np+"/", "v=2"); !strings.Contains(body, "v=2") {
			t.Errorf("after set image v2: %q", body)
		}
		kc("set", "image", "deployments/kubernetes-bootcamp", "bootcamp=kubelab/bootcamp:v10")
		waitFor(`ErrImagePull|ImagePullBackOff`, "get", "pods", "-l", "app=kubernetes-bootcamp")
		kc("rollout", "undo", "deployments/kubernetes-bootcamp")
		kc("rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
		if img := kc("get", "deployment/kubernetes-bootcamp", "-o", "go-template={{(index .spec.template.spec.containers 0).image}}"); img != "kubelab/bootcamp:v2" {
			t.Errorf("after undo the image is %q", img)
		}
	})

	t.Run("services and DNS from busybox", func(t *testing.T) {
		manifest := `apiVersion: apps/v1
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
`
		r := kubelabStdin(t, env, manifest, "kubectl", "--name", name, "--", "apply", "-f", "-")
		if r.err != nil {
			t.Fatalf("apply: %v %s", r.err, r.stderr)
		}
		waitFor(`^2$`, "get", "rs/echo-rs", "-o", "go-template={{.status.readyReplicas}}")
		kc("run", "bb", "--image=busybox:1.35", "--restart=Never", "--", "sh", "-c",
			"wget -qO- http://echo/ && wget -qO- http://echo.default.svc.cluster.local/ && nslookup docs.default.svc.cluster.local")
		waitFor(`Succeeded|Failed`, "get", "pod/bb", "-o", "go-template={{.status.phase}}")
		out := kc("logs", "bb")
		if strings.Count(out, "Hello from kubelab-echo") != 2 || !strings.Contains(out, "canonical name = kubernetes.default.svc.cluster.local") {
			t.Errorf("busybox client:\n%s", out)
		}
		waitFor(`ok`, "logs", "two-containers", "-c", "sidecar")
	})

	t.Run("persistent volume", func(t *testing.T) {
		manifest := `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  restartPolicy: Never
  containers: [{name: w, image: "busybox:1.35", command: [sh, -c, "echo kept-on-disk > /data/file"], volumeMounts: [{name: d, mountPath: /data}]}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
`
		if r := kubelabStdin(t, env, manifest, "kubectl", "--name", name, "--", "apply", "-f", "-"); r.err != nil {
			t.Fatalf("apply: %v %s", r.err, r.stderr)
		}
		waitFor(`Succeeded`, "get", "pod/writer", "-o", "go-template={{.status.phase}}")
		if out := kc("get", "pvc/data", "-o", "go-template={{.status.phase}} {{.spec.storageClassName}}"); out != "Bound standard" {
			t.Errorf("claim: %q, want it Bound by the default class", out)
		}
		node := kc("get", "pod/writer", "-o", "go-template={{.spec.nodeName}}")
		reader := strings.ReplaceAll(strings.ReplaceAll(manifest[strings.Index(manifest, "---"):], "writer", "reader"),
			`echo kept-on-disk > /data/file`, `cat /data/file`)
		if r := kubelabStdin(t, env, reader, "kubectl", "--name", name, "--", "apply", "-f", "-"); r.err != nil {
			t.Fatalf("apply reader: %v %s", r.err, r.stderr)
		}
		waitFor(`Succeeded`, "get", "pod/reader", "-o", "go-template={{.status.phase}}")
		if out := kc("logs", "reader"); strings.TrimSpace(out) != "kept-on-disk" {
			t.Errorf("reader got %q", out)
		}
		// The data lives on the node's /var volume.
		if out := dockerExec(t, api, node, "sh", "-c", "cat /var/local-path-provisioner/*/file"); strings.TrimSpace(out) != "kept-on-disk" {
			t.Errorf("on node %s: %q", node, out)
		}
	})

	// Ingress: a plain networking.k8s.io/v1 Ingress, routed by Host header on port 80 (and
	// 443) of the node `kubelab ip` prints.
	t.Run("ingress by host name", func(t *testing.T) {
		ip := strings.TrimSpace(kubelab(t, env, "ip", "--name", name).stdout)
		kc("create", "ingress", "bootcamp", "--rule=bootcamp.example/*=kubernetes-bootcamp:8080")
		if out := kc("get", "ingress/bootcamp", "-o", "go-template={{.spec.ingressClassName}}"); out != "traefik" {
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
		waitFor(`^`+regexp.QuoteMeta(ip)+`$`, "get", "ingress/bootcamp", "-o", "go-template={{range .status.loadBalancer.ingress}}{{.ip}}{{end}}")
		// Tutorials written for ingress-nginx name its class.
		kc("create", "ingress", "legacy", "--class=nginx", "--rule=legacy.example/*=kubernetes-bootcamp:8080")
		if body := httpGetHost(t, "http://"+ip+"/", "legacy.example", 200); !strings.Contains(body, "Hello Kubernetes bootcamp!") {
			t.Errorf("ingressClassName nginx: %q", body)
		}
	})

	t.Run("kubectl top", func(t *testing.T) {
		waitFor(name+`-control-plane\s+\d+m\s+\d+%\s+\d+Mi`, "top", "nodes")
		waitFor(`kube-apiserver-`+name+`-control-plane\s+\d+m\s+\d+Mi`, "top", "pods", "-n", "kube-system")
	})

	t.Run("addons", func(t *testing.T) {
		r := kubelab(t, env, "addons", "list", "--name", name)
		for _, a := range []string{"storage", "ingress", "metrics-server"} {
			if !regexp.MustCompile(`(?m)^` + a + `\s+1/1 ready`).MatchString(r.stdout) {
				t.Errorf("addons list: %s not enabled and ready:\n%s%s", a, r.stdout, r.stderr)
			}
		}
		if r := kubelab(t, env, "addons", "disable", "metrics-server", "--name", name); r.err != nil {
			t.Fatalf("disable: %v %s", r.err, r.stderr)
		}
		if out := kubelab(t, env, "addons", "list", "--name", name).stdout; !regexp.MustCompile(`(?m)^metrics-server\s+disabled`).MatchString(out) {
			t.Errorf("after disable:\n%s", out)
		}
		if r := kubelab(t, env, "kubectl", "--name", name, "--", "top", "nodes"); r.err == nil {
			t.Errorf("kubectl top answered with metrics-server disabled:\n%s", r.stdout)
		}
		if r := kubelab(t, env, "addons", "enable", "metrics-server", "--name", name); r.err != nil {
			t.Fatalf("enable: %v %s", r.err, r.stderr)
		}
		waitFor(name+`-control-plane\s+\d+m`, "top", "nodes")
		r = kubelab(t, env, "addons", "enable", "dashbaord", "--name", name)
		if r.err == nil || !strings.Contains(r.stderr, `no add-on named "dashbaord"`) {
			t.Errorf("unknown add-on: %v %q", r.err, r.stderr)
		}
	})

	t.Run("load docker-image", func(t *testing.T) {
		ref := "e2e-loaded/app:" + name
		buildImage(t, api, ref, "FROM busybox:1.35\nCMD [\"sh\", \"-c\", \"echo loaded-image-works; sleep 3600\"]\n")
		if r := kubelab(t, env, "load", "docker-image", ref, "--name", name); r.err != nil {
			t.Fatalf("load: %v %s", r.err, r.stderr)
		}
		kc("run", "loaded", "--image="+ref, "--image-pull-policy=Never")
		waitFor(`loaded-image-works`, "logs", "loaded")
		r := kubelab(t, env, "load", "docker-image", "e2e-loaded/missing:1", "--name", name)
		if r.err == nil || !strings.Contains(r.stderr, "not in the host's Docker") {
			t.Errorf("loading a missing image: %v %q", r.err, r.stderr)
		}
	})
}

// httpGetUntil fetches url from the host until the body contains want (30 s at most)
// and returns the last body.
func httpGetUntil(t *testing.T, url, want string) string {
	t.Helper()
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if body = httpGetRetry(t, url); strings.Contains(body, want) {
			break
		}
	}
	return body
}

// httpGetHost fetches url from the host with a Host header (and, for https, that name
// in TLS's SNI) until it answers with status, and returns the body.
func httpGetHost(t *testing.T, url, host string, status int) string {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		// Traefik's own certificate: no CA to check it against.
		TLSClientConfig: &tls.Config{ServerName: host, InsecureSkipVerify: true},
	}}
	var last string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Host = host
		resp, err := c.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == status {
			return string(body)
		}
		last = fmt.Sprintf("status %d: %s", resp.StatusCode, body)
	}
	t.Errorf("GET %s (Host %s): never status %d; last: %s", url, host, status, last)
	return ""
}

// kubelabStdin runs kubelab with stdin.
func kubelabStdin(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(kubelabBin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return result{stdout: out.String(), stderr: errb.String(), err: err}
}

// buildImage builds a one-file Dockerfile in the host's Docker (legacy builder: no
// BuildKit on older daemons).
func buildImage(t *testing.T, api interface {
	ImageBuild(context.Context, io.Reader, build.ImageBuildOptions) (build.ImageBuildResponse, error)
}, ref, dockerfile string) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		tw := newTarFile(pw, "Dockerfile", dockerfile)
		pw.CloseWithError(tw)
	}()
	resp, err := api.ImageBuild(context.Background(), pr, build.ImageBuildOptions{Tags: []string{ref}, Remove: true, Version: build.BuilderV1})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		t.Fatalf("build %s: %v", ref, err)
	}
}
