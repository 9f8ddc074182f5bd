package graph

import (
	"math"
	"sort"
)

// Sizes of the picture, in SVG user units (pixels at 100% zoom).
const (
	margin  = 16
	titleH  = 28  // room for the column titles
	colW    = 220 // distance between column starts
	boxW    = 184
	boxH    = 40
	pitch   = 50 // vertical distance between box tops in a column
	nodeGap = 24 // horizontal gap between Nodes in their row
)

// columns is the left-to-right order of kinds; Nodes get a row of their own below.
var columns = []struct{ title, kind, alt string }{
	{"Ingresses", KindIngress, ""},
	{"Services", KindService, ""},
	{"Pods", KindPod, KindPodGroup},
	{"ReplicaSets", KindReplicaSet, ""},
	{"Deployments", KindDeployment, ""},
}

// layout places every box: pods in owner order, every other box level with the middle of
// the pods (or ReplicaSets, or Services) it is joined to, so arrows stay short and mostly
// level, and no two boxes of a column overlap. Columns keep their place even when empty,
// so the picture does not jump while a Deployment scales.
func layout(g *Graph) {
	col := map[string][]*Node{}
	for _, n := range g.Nodes {
		k := n.Kind
		if k == KindPodGroup {
			k = KindPod
		}
		col[k] = append(col[k], n)
	}
	parent := map[string]string{}
	near := map[string][]string{} // each box → the boxes it is joined to
	for _, e := range g.Edges {
		if e.Kind == "owns" {
			parent[e.To] = e.From
		}
		near[e.From] = append(near[e.From], e.To)
		near[e.To] = append(near[e.To], e.From)
	}
	y := map[string]float64{}
	top := float64(margin + titleH)

	// Deployments give the order; ReplicaSets follow their Deployment's; pods their owner's.
	rank := map[string]float64{}
	for i, n := range col[KindDeployment] {
		rank[n.ID] = float64(i)
	}
	within := map[string]int{}
	for i, n := range col[KindReplicaSet] {
		r, ok := rank[parent[n.ID]]
		if !ok {
			r = 1e6 + float64(i)
		}
		rank[n.ID] = r*1000 + float64(within[parent[n.ID]])
		within[parent[n.ID]]++
	}
	pods := col[KindPod]
	sort.SliceStable(pods, func(i, j int) bool { return podRank(rank, parent, pods[i]) < podRank(rank, parent, pods[j]) })
	for i, n := range pods {
		y[n.ID] = top + float64(i*pitch)
	}
	// Boxes joined to nothing placed yet go below the rest, in their own order.
	meanOr := func(n *Node, fallback float64) float64 {
		sum, k := 0.0, 0
		for _, m := range near[n.ID] {
			if v, ok := y[m]; ok {
				sum += v
				k++
			}
		}
		if k == 0 {
			return fallback
		}
		return sum / float64(k)
	}
	place := func(list []*Node) {
		want := map[string]float64{}
		last := map[string]float64{} // per parent: where its previous box wanted to be
		for i, n := range list {
			fallback := 1e9 + float64(i)
			if v, ok := last[parent[n.ID]]; ok && parent[n.ID] != "" {
				fallback = v + 0.5
			}
			want[n.ID] = meanOr(n, fallback)
			last[parent[n.ID]] = want[n.ID]
		}
		sort.SliceStable(list, func(i, j int) bool { return want[list[i].ID] < want[list[j].ID] })
		next := top
		for _, n := range list {
			v := next
			if want[n.ID] < 1e8 { // joined to something: level with it if there is room
				v = math.Max(want[n.ID], next)
			}
			y[n.ID] = v
			next = v + pitch
		}
	}
	place(col[KindReplicaSet])
	place(col[KindDeployment])
	place(col[KindService])
	place(col[KindIngress])

	bottom := top
	for c, spec := range columns {
		g.Columns = append(g.Columns, Column{Title: spec.title, X: margin + c*colW, Y: margin})
		for _, n := range col[spec.kind] {
			n.X, n.Y, n.W, n.H = margin+c*colW, int(math.Round(y[n.ID])), boxW, boxH
			bottom = math.Max(bottom, float64(n.Y+boxH))
		}
	}
	g.Width = margin*2 + (len(columns)-1)*colW + boxW
	g.Height = int(bottom) + margin
	if nodes := col[KindNode]; len(nodes) > 0 {
		rowY := int(bottom) + pitch
		g.Columns = append(g.Columns, Column{Title: "Nodes", X: margin, Y: rowY - titleH + 8})
		for i, n := range nodes {
			n.X, n.Y, n.W, n.H = margin+i*(boxW+nodeGap), rowY, boxW, boxH
		}
		g.Width = max(g.Width, margin*2+len(nodes)*(boxW+nodeGap)-nodeGap)
		g.Height = rowY + boxH + margin
	}
}

// podRank orders pod boxes by their owner's place, ownerless ones last.
func podRank(rank map[string]float64, parent map[string]string, n *Node) float64 {
	if r, ok := rank[parent[n.ID]]; ok {
		return r
	}
	return math.Inf(1)
}
