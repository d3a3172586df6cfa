package keytemplate

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestTemplate(t *testing.T) {
	var tmpl Template
	for _, st := range []struct {
		keys []string
		want bool
	}{
		{[]string{"a", "b", "c"}, false}, // new keys
		{[]string{"a", "b", "c"}, true},  // the template is built
		{[]string{"a", "b", "c"}, true},
		{[]string{"a", "c", "b"}, false}, // another order
		{[]string{"a", "b", "c"}, false},
		{[]string{"a", "b", "a"}, false},
		{[]string{"a", "b", "a"}, false}, // a duplicate: never a template
		{nil, false},
		{nil, true}, // no keys, twice: an empty template
	} {
		got := tmpl.Next(st.keys)
		assert.Equal(t, st.want, got, "%v", st.keys)
		if got {
			m := pcommon.NewMap()
			tmpl.CopyTo(m)
			var keys []string
			for k, v := range m.All() {
				keys = append(keys, k)
				assert.Equal(t, pcommon.ValueTypeEmpty, v.Type())
			}
			assert.Equal(t, len(st.keys), len(keys))
			for i := range keys {
				assert.Equal(t, st.keys[i], keys[i])
			}
		}
	}
}

// The template keeps its own copy of the key list: the caller may reuse its
// slice.
func TestTemplateCopiesTheKeyList(t *testing.T) {
	var tmpl Template
	keys := []string{"a", "b"}
	assert.False(t, tmpl.Next(keys))
	keys[1] = "x"
	assert.False(t, tmpl.Next(keys), "a and x are not the keys it was given")
}
