package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// item is what a client believes one of its todos holds.
type item struct {
	Title string
	Done  bool
}

// model is one client's view of its own list: it is the list's only
// writer, so after every answered request the model is what the server
// must hold.
type model struct {
	items   map[string]item
	ids     []string        // the keys of items, to pick one at random
	pos     map[string]int  // index of each id in ids
	titles  map[string]bool // every title a todo was added with, to tell a duplicate from a phantom
	deleted map[string]bool // ids deleted, to tell a todo that came back from a duplicate
	// unsure holds the ids and titles of todos a request left in an
	// unknown state (a fault counted when it happened): the read-back
	// takes the server's word for them.
	unsure map[string]bool
}

func newModel() *model {
	return &model{items: map[string]item{}, pos: map[string]int{}, titles: map[string]bool{}, deleted: map[string]bool{}, unsure: map[string]bool{}}
}

func (m *model) len() int { return len(m.ids) }

func (m *model) add(id string, it item) {
	if _, ok := m.items[id]; !ok {
		m.pos[id] = len(m.ids)
		m.ids = append(m.ids, id)
	}
	m.items[id] = it
	m.titles[it.Title] = true
}

func (m *model) set(id string, it item) { m.items[id] = it }

func (m *model) remove(id string) {
	i, ok := m.pos[id]
	if !ok {
		return
	}
	last := m.ids[len(m.ids)-1]
	m.ids[i], m.pos[last] = last, i
	m.ids = m.ids[:len(m.ids)-1]
	delete(m.pos, id)
	delete(m.items, id)
	m.deleted[id] = true
}

// forget drops id from the model after a request whose effect is unknown.
func (m *model) forget(id string) {
	m.remove(id)
	delete(m.deleted, id)
	m.unsure[id] = true
}

func (m *model) pick(rng *rand.Rand) string { return m.ids[rng.IntN(len(m.ids))] }

// newest returns the ids of the n newest todos, newest first: todo IDs
// are ULIDs, so newest first is descending order.
func (m *model) newest(n int) []string {
	ids := slices.Clone(m.ids)
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(b, a) })
	return ids[:min(n, len(ids))]
}

// listed is one todo as a list page showed it.
type listed struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}

// compare checks what the server listed against the model: an id listed
// twice, or one the model lacks with the title of one of the client's adds
// (every add has a title of its own, so that add happened twice), is
// duplicated; another id the model lacks (a deleted todo back, or one the
// client never added) is a phantom; an id of the model that was not listed
// is lost; one listed with other content is mismatched.
func (m *model) compare(who string, got []listed) checked {
	c := checked{who: who, todos: m.len()}
	seen := map[string]bool{}
	for _, t := range got {
		if seen[t.ID] {
			c.duplicated = append(c.duplicated, fmt.Sprintf("%s listed twice", t.ID))
			continue
		}
		seen[t.ID] = true
		want, ok := m.items[t.ID]
		switch {
		case !ok && (m.unsure[t.ID] || m.unsure[t.Title]):
		case !ok && m.deleted[t.ID]:
			c.phantom = append(c.phantom, fmt.Sprintf("%s %q was deleted", t.ID, t.Title))
		case !ok && m.titles[t.Title]:
			c.duplicated = append(c.duplicated, fmt.Sprintf("%s %q: a second todo of one add", t.ID, t.Title))
		case !ok:
			c.phantom = append(c.phantom, fmt.Sprintf("%s %q", t.ID, t.Title))
		case want != item{Title: t.Title, Done: t.Done}:
			c.mismatched = append(c.mismatched, fmt.Sprintf("%s is %q done=%v, want %q done=%v", t.ID, t.Title, t.Done, want.Title, want.Done))
		}
	}
	for _, id := range m.ids {
		if !seen[id] {
			c.lost = append(c.lost, fmt.Sprintf("%s %q", id, m.items[id].Title))
		}
	}
	slices.Sort(c.lost)
	return c
}
