package state

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHashSensitive(t *testing.T) {
	tests := []struct {
		name  string
		value any
		same  []any // values that must match the hash
		other []any // values that must not
	}{
		{"string", "s3cret", nil, []any{"s3cret ", "S3cret", nil, 0}},
		{"number kinds agree", int64(42), []any{42, 42.0, int32(42)}, []any{43, "42"}},
		{"list", []any{"a", "b"}, []any{[]string{"a", "b"}}, []any{[]any{"b", "a"}}},
		{"map", map[string]any{"k": "v", "n": 1}, []any{map[string]any{"n": int64(1), "k": "v"}}, []any{map[string]any{"k": "v"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := HashSensitive(tt.value)
			assert.Regexp(t, `^hash:sha256:[0-9a-f]{32}:[0-9a-f]{64}$`, h)
			assert.True(t, IsHashed(h))
			assert.True(t, MatchSensitive(h, tt.value))
			for _, v := range tt.same {
				assert.True(t, MatchSensitive(h, v), "%#v", v)
			}
			for _, v := range tt.other {
				assert.False(t, MatchSensitive(h, v), "%#v", v)
			}
			assert.NotEqual(t, h, HashSensitive(tt.value), "a fresh salt each time")
		})
	}
}

func TestIsHashed(t *testing.T) {
	good := HashSensitive("x")
	salt := strings.Split(good, ":")[2]
	tests := []struct {
		v    any
		want bool
	}{
		{good, true},
		{"s3cret", false},
		{nil, false},
		{42, false},
		{"hash:sha256:" + salt, false},
		{"hash:sha256:zz:" + strings.Repeat("0", 64), false},
		{"hash:sha256:" + salt + ":" + strings.Repeat("0", 63), false},
		{"sha256:" + salt + ":" + strings.Repeat("0", 64), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, IsHashed(tt.v), "%v", tt.v)
		if s, ok := tt.v.(string); ok && !tt.want {
			assert.False(t, MatchSensitive(s, "x"))
		}
	}
}

func TestHideSensitive(t *testing.T) {
	already := HashSensitive("kept")
	attrs := map[string]any{
		"password": "p", "nothing": nil, "again": already, "plain": "visible",
		"block":  map[string]any{"secret": "s"},
		"blocks": []any{map[string]any{"secret": "a"}, map[string]any{"other": "b"}},
	}
	HideSensitive(attrs, []string{"password", "nothing", "again", "block.secret", "blocks.secret", "missing.path"})
	assert.True(t, MatchSensitive(attrs["password"].(string), "p"))
	assert.Nil(t, attrs["nothing"])
	assert.Equal(t, already, attrs["again"], "a hash is not hashed again")
	assert.Equal(t, "visible", attrs["plain"])
	assert.True(t, MatchSensitive(attrs["block"].(map[string]any)["secret"].(string), "s"))
	assert.True(t, MatchSensitive(attrs["blocks"].([]any)[0].(map[string]any)["secret"].(string), "a"))
	assert.Equal(t, map[string]any{"other": "b"}, attrs["blocks"].([]any)[1])
}

func TestReuseHash(t *testing.T) {
	prev := HashSensitive("s3cret")
	tests := []struct {
		name string
		prev any
		v    any
		keep bool
	}{
		{"same secret keeps the hash", prev, "s3cret", true},
		{"changed secret gets a new hash", prev, "other", false},
		{"no previous value", nil, "s3cret", false},
		{"previous value not a hash", "s3cret", "s3cret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReuseHash(tt.prev, tt.v)
			assert.Equal(t, tt.keep, got == tt.prev)
			assert.True(t, MatchSensitive(got, tt.v))
		})
	}
}
