//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// dashboardSession is a running `kubelab dashboard --url`: the URL and token it printed.
type dashboardSession struct {
	url, token string
	proxy      string // http://127.0.0.1:<port> of its API proxy
}

// startDashboard runs `kubelab dashboard --url` until the test ends and reads what it prints.
func (tut *tutorial) startDashboard(t *testing.T) dashboardSession {
	t.Helper()
	cmd := exec.Command(kubelabBin, "dashboard", "--name", tut.name, "--url")
	cmd.Env = append(os.Environ(), tut.env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Ctrl-C, as a learner stops it; it must exit cleanly.
		_ = cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("kubelab dashboard after Ctrl-C: %v\n%s", err, stderr.String())
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var s dashboardSession
	timeout := time.After(4 * time.Minute)
	for s.token == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("kubelab dashboard ended before printing a token:\n%s", stderr.String())
			}
			switch {
			case strings.HasPrefix(line, "Dashboard: "):
				s.url = strings.TrimPrefix(line, "Dashboard: ")
			case s.url != "" && regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`).MatchString(line):
				s.token = line
			}
		case <-timeout:
			t.Fatalf("kubelab dashboard printed no URL and token in 4 minutes:\n%s", stderr.String())
		}
	}
	go func() {
		for range lines { // keep draining
		}
	}()
	m := regexp.MustCompile(`^(http://127\.0\.0\.1:\d+)/api/v1/namespaces/kubernetes-dashboard/services/https:kubernetes-dashboard:/proxy/$`).FindStringSubmatch(s.url)
	if m == nil {
		t.Fatalf("dashboard URL %q is not the classic proxy URL on 127.0.0.1", s.url)
	}
	s.proxy = m[1]
	return s
}

// browser starts headless Chromium (Debian's package) for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("no chromium on PATH (apt-get install chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1440, 960),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, which lives as long as ctx: no timeout here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// browse runs browser steps with a time limit, failing the test with what was being done
// and where the browser was.
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browseGet(t, ctx, what, chromedp.Steps(steps...))
}

// browseGet runs one browser action that returns a value, like browse.
func browseGet[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nat %s, the page says:\n%s", what, err, loc, body)
	}
	return v
}

// waitJS polls a JavaScript expression in the page until it is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(100*time.Second))
}

// screenshot saves a PNG of the page where the README shows it.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("KUBELAB_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	// Below quality 100 Chromium encodes JPEG.
	jpeg := browseGet(t, ctx, "screenshot "+name, chromedp.FullScreenshot(85))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".jpg")
	if err := os.WriteFile(path, jpeg, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(jpeg))
}

// signIn submits a token on the login page at url.
func signIn(url, token string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), token),
		chromedp.Click(chromedp.CSS(`#signin`)),
	)
}

// The dashboard in a real browser, the way a learner reaches it: `kubelab dashboard` turns
// the add-on back on, prints the classic `kubectl proxy` URL and a token; a wrong token is
// refused; the tutorial's Deployment shows; scaling it in the UI makes three pods appear
// without a reload; a pod's live logs show a request just sent to it; a rollback in the UI
// brings v1 back; a read-only token sees the lists but is forbidden to scale; the
// kube-system URL of older tutorials answers with the same login page.
func (tut *tutorial) dashboard(t *testing.T) {
	if r := kubelab(t, tut.env, "addons", "disable", "dashboard", "--name", tut.name); r.err != nil {
		t.Fatalf("addons disable dashboard: %v %s", r.err, r.stderr)
	}
	s := tut.startDashboard(t)
	kubeSystem := s.proxy + "/api/v1/namespaces/kube-system/services/https:kubernetes-dashboard:/proxy/"
	if body := httpGetUntil(t, kubeSystem, `id="token"`); !strings.Contains(body, `id="token"`) {
		t.Errorf("the kube-system URL of older tutorials answered:\n%s", body)
	}
	ctx := browser(t)

	browse(t, ctx, "a wrong token", signIn(s.url, "not-a-token"), chromedp.WaitVisible(chromedp.CSS(`#error`)))
	msg := browseGet(t, ctx, "the login error", chromedp.Text(chromedp.CSS(`#error`)))
	if !strings.Contains(msg, "refused") {
		t.Errorf("a wrong token: the login page says %q", msg)
	}
	browse(t, ctx, "sign in with the printed token", signIn(s.url, s.token),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="health-Pods"]`)))
	screenshot(t, ctx, "dashboard-overview")

	browse(t, ctx, "the tutorial's Deployment in the list", chromedp.Navigate(s.url+"deployments?ns=default"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="deployment-row"][data-name="kubernetes-bootcamp"]`)))

	deployment := s.url + "deployment?ns=default&name=kubernetes-bootcamp"
	browse(t, ctx, "scale to 3 in the UI", chromedp.Navigate(deployment),
		chromedp.WaitVisible(chromedp.CSS(`#scale-input`)),
		chromedp.Evaluate[chromedp.Void](`window.e2eSamePage = true`),
		chromedp.SetValue(chromedp.CSS(`#scale-input`), "3"),
		chromedp.Click(chromedp.CSS(`#scale-button`)),
		waitJS(`document.querySelectorAll('#pods [data-test="pod-row"]').length === 3`),
		waitJS(`window.e2eSamePage === true`))
	tut.kubectl(t, "rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")

	tut.dashboardLogs(t, ctx, s)
	tut.dashboardRollback(t, ctx, deployment)

	browse(t, ctx, "the namespace picture", chromedp.Navigate(s.url+"graph?ns=default"),
		chromedp.WaitVisible(chromedp.CSS(`#graph [data-test="graph-node"][data-kind="Deployment"][data-name="kubernetes-bootcamp"]`)),
		waitJS(`document.querySelectorAll('#graph [data-test="graph-node"][data-kind="Pod"], #graph [data-test="graph-node"][data-kind="PodGroup"]').length > 0`))
	screenshot(t, ctx, "dashboard-graph")

	tut.dashboardReadOnly(t, ctx, s, deployment)
}

// A pod's live logs show a request the test sends to that pod after the page opened.
func (tut *tutorial) dashboardLogs(t *testing.T, ctx context.Context, s dashboardSession) {
	pod := strings.Fields(tut.kubectl(t, "get", "pods", "-l", "app=kubernetes-bootcamp",
		"--field-selector=status.phase=Running", "-o", "go-template={{range .items}}{{.metadata.name}} {{end}}"))[0]
	browse(t, ctx, "open the logs of "+pod, chromedp.Navigate(s.url+"pod?ns=default&name="+pod),
		waitJS(`document.getElementById('logs').textContent.includes('Kubernetes Bootcamp App')`))
	probe := fmt.Sprintf("/dashboard-e2e-%d", time.Now().UnixNano())
	resp, err := http.Get(s.proxy + "/api/v1/namespaces/default/pods/" + pod + ":8080/proxy" + probe)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("request to %s through the proxy: %s", pod, resp.Status)
	}
	browse(t, ctx, "the request shows in the live logs", waitJS(fmt.Sprintf(`document.getElementById('logs').textContent.includes(%q)`, probe)))
}

// Rolling back in the UI to the revision of v1 (not v10, the tutorial's bad image) puts v1
// back in the Deployment.
func (tut *tutorial) dashboardRollback(t *testing.T, ctx context.Context, deployment string) {
	browse(t, ctx, "open the Deployment", chromedp.Navigate(deployment), chromedp.WaitVisible(chromedp.CSS(`#rollback-select`)))
	revision := browseGet(t, ctx, "choose the revision of v1",
		chromedp.Evaluate[string](`[...document.querySelectorAll('#rollback-select option')].find(o => /kubelab\/bootcamp:v1(?!\d)/.test(o.textContent)).value`))
	browse(t, ctx, "roll back to revision "+revision,
		chromedp.SetValue(chromedp.CSS(`#rollback-select`), revision),
		chromedp.Click(chromedp.CSS(`[data-test="rollback-button"]`)),
		chromedp.Click(chromedp.CSS(`[data-test="rollback-confirm"]`)))
	tut.waitKubectl(t, `^kubelab/bootcamp:v1$`, "get", "deployment/kubernetes-bootcamp", "-o", "go-template={{(index .spec.template.spec.containers 0).image}}")
	tut.kubectl(t, "rollout", "status", "deployment/kubernetes-bootcamp", "--timeout=2m")
}

// A token of a ServiceAccount bound to `view` sees the Deployment but may not scale it.
func (tut *tutorial) dashboardReadOnly(t *testing.T, ctx context.Context, s dashboardSession, deployment string) {
	tut.kubectl(t, "create", "serviceaccount", "e2e-viewer")
	tut.kubectl(t, "create", "clusterrolebinding", "e2e-viewer", "--clusterrole=view", "--serviceaccount=default:e2e-viewer")
	viewer := strings.TrimSpace(tut.kubectl(t, "create", "token", "e2e-viewer"))
	browse(t, ctx, "sign out", chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS(`[data-test="signout"]`)),
		chromedp.Click(chromedp.CSS(`[data-test="signout"]`)), chromedp.WaitVisible(chromedp.CSS(`#token`)))
	browse(t, ctx, "a read-only token sees the Deployment", signIn(s.url, viewer),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="health-Pods"]`)),
		chromedp.Navigate(s.url+"deployments?ns=default"),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="deployment-row"][data-name="kubernetes-bootcamp"]`)))
	browse(t, ctx, "a read-only token may not scale", chromedp.Navigate(deployment),
		chromedp.WaitVisible(chromedp.CSS(`#scale-input`)),
		chromedp.SetValue(chromedp.CSS(`#scale-input`), "1"),
		chromedp.Click(chromedp.CSS(`#scale-button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-test="action-result"] [data-test="forbidden"]`)))
	msg := browseGet(t, ctx, "the forbidden message", chromedp.Text(chromedp.CSS(`[data-test="action-result"] [data-test="forbidden"]`)))
	if !strings.Contains(strings.ToLower(msg), "forbidden") {
		t.Errorf("scale with a view token: %q", msg)
	}
	if n := tut.kubectl(t, "get", "deployment/kubernetes-bootcamp", "-o", "go-template={{.spec.replicas}}"); n != "3" {
		t.Errorf("replicas after a forbidden scale: %s, want 3", n)
	}
}
