package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// restartedAtAnnotation is what `kubectl rollout restart` sets on the pod template: a
// changed template makes the Deployment roll out new pods.
const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// maxReplicas keeps a typo from filling a learner's node with pods.
const maxReplicas = 1000

// actionResult is what the page's script gets back from an action.
type actionResult struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	Then    string `json:"then,omitempty"` // a relative URL to go to (after a delete)
}

// answer ends an action: JSON for the page's script (Accept: application/json), or a
// redirect back to the page with the message for a plain form. A 401 sends the user to
// sign in again.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, u *user, err error, msg, then string) {
	if err != nil && s.refused(w, r, u, err) {
		return
	}
	res, code := actionResult{OK: true, Message: msg, Then: then}, http.StatusOK
	if err != nil {
		res, code = actionResult{Message: apiMessage(err)}, apiStatus(err)
		var bad badInput
		if asBadInput(err, &bad) {
			res.Message, code = bad.msg, http.StatusBadRequest
		}
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(res)
		return
	}
	to := back(r)
	if res.OK && then != "" {
		to = then
	}
	if res.OK {
		seeOther(w, withFlash(to, "msg", res.Message))
	} else {
		seeOther(w, withFlash(to, "err", res.Message))
	}
}

// badInput is a mistake in a form, reported as 400 with its message.
type badInput struct{ msg string }

func (b badInput) Error() string { return b.msg }

func asBadInput(err error, b *badInput) bool {
	v, ok := err.(badInput)
	if ok {
		*b = v
	}
	return ok
}

// formTarget reads the namespace and name an action is about.
func formTarget(r *http.Request) (ns, name string, err error) {
	ns, name = r.PostFormValue("ns"), r.PostFormValue("name")
	if name == "" {
		return "", "", badInput{"The form names no object."}
	}
	return ns, name, nil
}

func (s *Server) scale(w http.ResponseWriter, r *http.Request, u *user) {
	ns, name, err := formTarget(r)
	n, convErr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("replicas")))
	if err == nil && (convErr != nil || n < 0 || n > maxReplicas) {
		err = badInput{fmt.Sprintf("Replicas must be a whole number from 0 to %d.", maxReplicas)}
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
		defer cancel()
		patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, n)
		_, err = u.clients.Kube.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	}
	s.answer(w, r, u, err, fmt.Sprintf("Scaled %s to %d replicas.", name, n), "")
}

// restart does what `kubectl rollout restart` does: stamp the pod template.
func (s *Server) restart(w http.ResponseWriter, r *http.Request, u *user) {
	ns, name, err := formTarget(r)
	if err == nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
		defer cancel()
		patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
			"annotations": map[string]string{restartedAtAnnotation: s.opts.Now().Format("2006-01-02T15:04:05Z07:00")}}}}})
		_, err = u.clients.Kube.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	}
	s.answer(w, r, u, err, fmt.Sprintf("Restarted %s: new pods replace the old ones.", name), "")
}

// rollback does what `kubectl rollout undo --to-revision=N` does: put the pod template of
// the revision's ReplicaSet back into the Deployment (without the pod-template-hash label
// the controller adds), with that revision's change-cause.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request, u *user) {
	ns, name, err := formTarget(r)
	rev, convErr := strconv.Atoi(r.PostFormValue("revision"))
	if err == nil && (convErr != nil || rev <= 0) {
		err = badInput{"Pick a revision to roll back to."}
	}
	if err == nil {
		err = s.rollbackTo(r.Context(), u.clients, ns, name, rev)
	}
	s.answer(w, r, u, err, fmt.Sprintf("Rolling %s back to revision %d.", name, rev), "")
}

func (s *Server) rollbackTo(ctx context.Context, c *Clients, ns, name string, rev int) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	dep, err := c.Kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	rss, err := ownedReplicaSets(ctx, c, dep)
	if err != nil {
		return err
	}
	for i := range rss {
		rs := &rss[i]
		if revisionOf(rs) != rev {
			continue
		}
		if dep.Annotations[revisionAnnotation] == strconv.Itoa(rev) {
			return badInput{fmt.Sprintf("Revision %d is the one running now.", rev)}
		}
		tmpl := rs.Spec.Template.DeepCopy()
		delete(tmpl.Labels, "pod-template-hash")
		ops := []map[string]any{{"op": "replace", "path": "/spec/template", "value": tmpl}}
		if cause, ok := rs.Annotations[changeCauseAnnotation]; ok {
			if dep.Annotations == nil {
				ops = append(ops, map[string]any{"op": "add", "path": "/metadata/annotations", "value": map[string]string{changeCauseAnnotation: cause}})
			} else {
				ops = append(ops, map[string]any{"op": "add", "path": "/metadata/annotations/kubernetes.io~1change-cause", "value": cause})
			}
		}
		patch, err := json.Marshal(ops)
		if err != nil {
			return err
		}
		_, err = c.Kube.AppsV1().Deployments(ns).Patch(ctx, name, types.JSONPatchType, patch, metav1.PatchOptions{})
		return err
	}
	return badInput{fmt.Sprintf("Deployment %s has no revision %d (any more).", name, rev)}
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, u *user) {
	ns, name, err := formTarget(r)
	res := r.PostFormValue("r")
	gvr, perr := parseResource(res)
	if err == nil && perr != nil {
		err = badInput{perr.Error()}
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
		defer cancel()
		// Background, as kubectl does: owned objects (ReplicaSets, pods) go after it.
		policy := metav1.DeletePropagationBackground
		err = resourceClient(u.clients.Dynamic, gvr, ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
	}
	s.answer(w, r, u, err, fmt.Sprintf("%s %q deleted.", gvr.Resource, name), relative(r.PostFormValue("then")))
}
