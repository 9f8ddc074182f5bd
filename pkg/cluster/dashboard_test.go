package cluster

import (
	"context"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// The first call creates the account and its binding, every call asks for a one-hour token,
// and a second call reuses the account.
func TestAdminToken(t *testing.T) {
	cs := fake.NewClientset()
	var asked []int64
	cs.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "token" {
			return false, nil, nil
		}
		tr := a.(k8stesting.CreateAction).GetObject().(*authenticationv1.TokenRequest)
		asked = append(asked, *tr.Spec.ExpirationSeconds)
		tr.Status.Token = "tok-" + a.GetNamespace()
		return true, tr, nil
	})
	for i := 0; i < 2; i++ {
		tok, err := AdminToken(context.Background(), cs, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if tok != "tok-kubernetes-dashboard" {
			t.Fatalf("token %q", tok)
		}
	}
	if len(asked) != 2 || asked[0] != 3600 {
		t.Fatalf("token requests %v", asked)
	}
	crb, err := cs.RbacV1().ClusterRoleBindings().Get(context.Background(), AdminAccount, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if crb.RoleRef.Name != "cluster-admin" || crb.Subjects[0].Namespace != DashboardNamespace {
		t.Fatalf("binding %+v", crb)
	}
}
