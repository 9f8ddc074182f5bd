package dashboard

import (
	"errors"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// apiMessage is the one line a page shows in place of what an API call could not give:
// "forbidden: <the API server's message>" for RBAC refusals, "not found: ..." and so on.
func apiMessage(err error) string {
	msg := err.Error()
	var st apierrors.APIStatus
	if errors.As(err, &st) && st.Status().Message != "" {
		msg = st.Status().Message
	}
	switch {
	case apierrors.IsForbidden(err):
		return "forbidden: " + msg
	case apierrors.IsNotFound(err):
		return "not found: " + msg
	case apierrors.IsUnauthorized(err):
		return "unauthorized: " + msg
	case apierrors.IsServiceUnavailable(err):
		return "unavailable: " + msg
	}
	return msg
}

// apiStatus is the HTTP status for a page whose main object could not be read.
func apiStatus(err error) int {
	var st apierrors.APIStatus
	if errors.As(err, &st) && st.Status().Code >= 400 && st.Status().Code < 500 {
		return int(st.Status().Code)
	}
	return http.StatusBadGateway
}

// isForbiddenText tells templates whether a message is an RBAC refusal, so the browser
// test (and the eye) can find it by its data-test="forbidden".
func isForbiddenText(msg string) bool {
	return strings.HasPrefix(msg, "forbidden: ") || strings.Contains(msg, "): forbidden: ")
}
