package state

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// hashPrefix starts every hashed sensitive value. The full form is
// "hash:sha256:SALT:HEX": SALT is 16 random bytes in hex, HEX the sha256 of the salt bytes
// followed by the value's canonical JSON.
const hashPrefix = "hash:sha256:"

// HashSensitive returns a salted hash of v that state stores instead of v. The salt keeps equal
// secrets from looking equal and defeats precomputed tables.
func HashSensitive(v any) string {
	salt := make([]byte, 16)
	rand.Read(salt) // never fails: crypto/rand crashes the program rather than return short
	return hashWithSalt(salt, v)
}

func hashWithSalt(salt []byte, v any) string {
	h := sha256.New()
	h.Write(salt)
	h.Write(mustCanonical(v))
	return hashPrefix + hex.EncodeToString(salt) + ":" + hex.EncodeToString(h.Sum(nil))
}

// ReuseHash is HashSensitive that keeps prev when prev is already a hash of v. Each hash has a
// fresh salt, so hashing an unchanged secret again would look like a change and bump the
// state serial on every run; callers that know the previous value pass it here.
func ReuseHash(prev, v any) string {
	if h, ok := prev.(string); ok && MatchSensitive(h, v) {
		return h
	}
	return HashSensitive(v)
}

// MatchSensitive reports whether hash (from HashSensitive) is a hash of v.
func MatchSensitive(hash string, v any) bool {
	salt, sum, ok := splitHash(hash)
	if !ok {
		return false
	}
	_, want, _ := splitHash(hashWithSalt(salt, v))
	return subtle.ConstantTimeCompare(sum, want) == 1
}

// IsHashed reports whether v is a hashed sensitive value.
func IsHashed(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	_, _, ok = splitHash(s)
	return ok
}

func splitHash(s string) (salt, sum []byte, ok bool) {
	rest, found := strings.CutPrefix(s, hashPrefix)
	if !found {
		return nil, nil, false
	}
	saltHex, sumHex, found := strings.Cut(rest, ":")
	if !found {
		return nil, nil, false
	}
	salt, err1 := hex.DecodeString(saltHex)
	sum, err2 := hex.DecodeString(sumHex)
	if err1 != nil || err2 != nil || len(salt) != 16 || len(sum) != sha256.Size {
		return nil, nil, false
	}
	return salt, sum, true
}

// HideSensitive replaces, in attrs, the values at the given paths with HashSensitive hashes.
// A path is dotted and descends into nested blocks ("password", "auth.secret"); a path through
// a list of blocks hashes the attribute in every element. Values already hashed and null
// values are left alone. It is how a caller that knows the schema keeps secrets out of state.
func HideSensitive(attrs map[string]any, paths []string) {
	for _, p := range paths {
		hideAt(attrs, strings.Split(p, "."))
	}
}

func hideAt(v any, path []string) {
	switch t := v.(type) {
	case map[string]any:
		cur, ok := t[path[0]]
		if !ok || cur == nil {
			return
		}
		if len(path) == 1 {
			if !IsHashed(cur) {
				t[path[0]] = HashSensitive(cur)
			}
			return
		}
		hideAt(cur, path[1:])
	case []any:
		for _, e := range t {
			hideAt(e, path)
		}
	}
}

// hideSensitiveOutputs hashes the clear value of every sensitive output. An output whose value
// still matches what prev recorded keeps prev's hash, so an unchanged secret does not look
// like a change (each hash has a fresh salt).
func hideSensitiveOutputs(outputs map[string]Output, prev *State) {
	for k, o := range outputs {
		if !o.Sensitive || o.Value == nil || IsHashed(o.Value) {
			continue
		}
		var old any
		if prev != nil {
			old = prev.Outputs[k].Value
		}
		outputs[k] = Output{Value: ReuseHash(old, o.Value), Sensitive: true}
	}
}
