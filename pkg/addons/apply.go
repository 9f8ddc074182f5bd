// Package addons owns what kubelab does with its embedded manifests on a cluster: it
// renders and applies them with server-side apply (so re-applying is safe and kubelab
// owns exactly the fields it sets) or deletes them, and it installs, removes and reports
// the add-ons that package catalog declares.
package addons

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"text/template"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/kubelab/kubelab/manifests"
)

// Render fills in an embedded manifest template, named by its path in manifests.FS
// ("netd.yaml", "addons/storage.yaml").
func Render(name string, values any) ([]byte, error) {
	// ParseFS names the template after the file's base name, not its path.
	tmpl, err := template.New(path.Base(name)).Option("missingkey=error").ParseFS(manifests.FS, name)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, values); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// object is one document of a manifest with the client for its resource.
type object struct {
	obj *unstructured.Unstructured
	ri  dynamic.ResourceInterface
}

func (o object) String() string { return o.obj.GetKind() + " " + o.obj.GetName() }

// objects decodes a multi-document YAML manifest and finds each object's resource.
func objects(cfg *rest.Config, manifest []byte) ([]object, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	var out []object
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("decode manifest: %w", err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == "namespace" {
			ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		}
		out = append(out, object{obj, ri})
	}
}

// Apply server-side-applies every object of a multi-document YAML manifest.
func Apply(ctx context.Context, cfg *rest.Config, manifest []byte) error {
	objs, err := objects(cfg, manifest)
	if err != nil {
		return err
	}
	for _, o := range objs {
		data, err := o.obj.MarshalJSON()
		if err != nil {
			return err
		}
		force := true
		if _, err := o.ri.Patch(ctx, o.obj.GetName(), types.ApplyPatchType, data, metav1.PatchOptions{FieldManager: "kubelab", Force: &force}); err != nil {
			return fmt.Errorf("apply %s: %w", o, err)
		}
	}
	return nil
}

// Delete removes every object of a manifest, last first, and waits until they are gone
// (a namespace takes its contents with it), so the same manifest can be applied again
// right away.
func Delete(ctx context.Context, cfg *rest.Config, manifest []byte) error {
	objs, err := objects(cfg, manifest)
	if err != nil {
		return err
	}
	// Foreground: a Deployment goes only once its pods have, freeing their host ports.
	policy := metav1.DeletePropagationForeground
	for _, o := range slices.Backward(objs) {
		err := o.ri.Delete(ctx, o.obj.GetName(), metav1.DeleteOptions{PropagationPolicy: &policy})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s: %w", o, err)
		}
	}
	for _, o := range objs {
		if err := waitGone(ctx, o); err != nil {
			return fmt.Errorf("%s is still there: %w", o, err)
		}
	}
	return nil
}

// waitGone watches one object until it no longer exists.
func waitGone(ctx context.Context, o object) error {
	byName := fields.OneTermEqualSelector("metadata.name", o.obj.GetName()).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.FieldSelector = byName
			return o.ri.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.FieldSelector = byName
			return o.ri.Watch(ctx, opts)
		},
	}
	_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{},
		func(s cache.Store) (bool, error) { return len(s.List()) == 0, nil },
		func(e watch.Event) (bool, error) { return e.Type == watch.Deleted, nil })
	return err
}
