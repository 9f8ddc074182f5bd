package dashboard

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// pingEvery keeps idle event streams open through proxies that drop quiet connections.
const pingEvery = 25 * time.Second

// eventStream writes server-sent events. One goroutine writes to it.
type eventStream struct {
	w  io.Writer
	rc *http.ResponseController
}

// startEvents answers with an event stream and sends its headers at once.
func startEvents(w http.ResponseWriter) *eventStream {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	// Tells buffering reverse proxies (nginx and friends) to pass events on at once.
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	es := &eventStream{w: w, rc: http.NewResponseController(w)}
	es.rc.Flush()
	return es
}

// send writes one event; data may have several lines.
func (e *eventStream) send(event, data string) error {
	var b strings.Builder
	if event != "" {
		b.WriteString("event: " + event + "\n")
	}
	for _, line := range strings.Split(data, "\n") {
		b.WriteString("data: " + strings.TrimSuffix(line, "\r") + "\n")
	}
	b.WriteString("\n")
	if _, err := io.WriteString(e.w, b.String()); err != nil {
		return err
	}
	return e.rc.Flush()
}

// ping writes a comment, which browsers ignore.
func (e *eventStream) ping() error {
	if _, err := io.WriteString(e.w, ": ping\n\n"); err != nil {
		return err
	}
	return e.rc.Flush()
}
