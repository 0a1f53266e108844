package junos

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, chunked bool, wire string) ([]string, error) {
	t.Helper()
	f := newFramer(strings.NewReader(wire), io.Discard)
	f.chunked = chunked
	var out []string
	for {
		msg, err := f.readMessage()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(msg))
	}
}

func TestReadFraming(t *testing.T) {
	cases := []struct {
		name    string
		chunked bool
		wire    string
		want    []string
		err     string
	}{
		{name: "eom two messages in one read", wire: "<a/>]]>]]><b/>]]>]]>", want: []string{"<a/>", "<b/>"}},
		{name: "eom with > inside", wire: "<a x='>'>]]></a>]]>]]>", want: []string{"<a x='>'>]]></a>"}},
		{name: "eom newline after marker", wire: "<a/>]]>]]>\n<b/>]]>]]>\n", want: []string{"<a/>", "\n<b/>"}},
		{name: "eom truncated", wire: "<a/>]]>", err: "unexpected EOF"},
		{name: "chunked one chunk", chunked: true, wire: "\n#4\n<a/>\n##\n", want: []string{"<a/>"}},
		{name: "chunked several chunks, no headers in data", chunked: true,
			wire: "\n#3\n<rp\n#8\nc-reply/\n#1\n>\n##\n", want: []string{"<rpc-reply/>"}},
		{name: "chunked back to back", chunked: true, wire: "\n#4\n<a/>\n##\n\n#4\n<b/>\n##\n", want: []string{"<a/>", "<b/>"}},
		{name: "chunked data holds newline-hash", chunked: true, wire: "\n#6\n\n#9\nx\n\n##\n", want: []string{"\n#9\nx\n"}},
		{name: "chunked leading newline tolerated", chunked: true, wire: "\n\n#4\n<a/>\n##\n", want: []string{"<a/>"}},
		{name: "chunked zero size", chunked: true, wire: "\n#0\n\n##\n", err: "bad chunk size"},
		{name: "chunked leading zero", chunked: true, wire: "\n#04\n<a/>\n##\n", err: "bad chunk size"},
		{name: "chunked size too large", chunked: true, wire: "\n#4294967296\n", err: "bad chunk size"},
		{name: "chunked no end of chunks", chunked: true, wire: "\n#4\n<a/>", err: "unexpected EOF"},
		{name: "chunked short data", chunked: true, wire: "\n#10\n<a/>", err: "unexpected EOF"},
		{name: "chunked garbage header", chunked: true, wire: "<a/>\n##\n", err: "chunk header"},
		{name: "chunked empty message", chunked: true, wire: "\n##\n", err: "no chunk"},
		{name: "chunked eom framing", chunked: true, wire: "<a/>]]>]]>", err: "chunk header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.chunked, tc.wire)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWriteFraming: what we write reads back; big messages go out as several chunks.
func TestWriteFraming(t *testing.T) {
	big := strings.Repeat("x", 3<<20+5)
	for _, chunked := range []bool{false, true} {
		var wire bytes.Buffer
		f := newFramer(nil, &wire)
		f.chunked = chunked
		for _, m := range []string{"<a/>", big} {
			if err := f.writeMessage([]byte(m)); err != nil {
				t.Fatal(err)
			}
		}
		if chunked && strings.Count(wire.String(), "\n#") < 5 {
			t.Errorf("a 3 MiB message went out in %d chunk headers", strings.Count(wire.String(), "\n#"))
		}
		got, err := readAll(t, chunked, wire.String())
		if err != nil || len(got) != 2 || got[0] != "<a/>" || got[1] != big {
			t.Fatalf("chunked=%v: %d messages, err %v", chunked, len(got), err)
		}
	}
	var wire bytes.Buffer
	f := newFramer(nil, &wire)
	f.chunked = true
	_ = f.writeMessage([]byte("<a/>"))
	if wire.String() != "\n#4\n<a/>\n##\n" {
		t.Errorf("chunked wire %q", wire.String())
	}
}

// FuzzReadFraming: no byte stream makes the framer panic or return a message larger than
// its input, in either framing.
func FuzzReadFraming(f *testing.F) {
	for _, seed := range []string{"<a/>]]>]]>", "\n#4\n<a/>\n##\n", "\n#3\n<rp\n#8\nc-reply/\n#1\n>\n##\n", "\n#4294967295\nxx", "\n##\n"} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, wire []byte, chunked bool) {
		fr := newFramer(bytes.NewReader(wire), io.Discard)
		fr.chunked = chunked
		total := 0
		for i := 0; i < 100; i++ {
			msg, err := fr.readMessage()
			if err != nil {
				return
			}
			total += len(msg)
			if total > len(wire) {
				t.Fatalf("read %d bytes of messages from %d bytes", total, len(wire))
			}
		}
	})
}
