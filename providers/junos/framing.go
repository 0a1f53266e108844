package junos

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// NETCONF message framing over the SSH channel (RFC 6242). The hello exchange always uses the
// end-of-message marker; if both sides advertise base:1.1, every later message is chunked.
// The reader keeps everything it has buffered past a message's end, so a reply that arrives in
// the same packet as the previous delimiter is not lost (a go-netconf v0.3 fault).

const (
	endOfMessage = "]]>]]>"
	// maxMessage bounds one message so a broken peer cannot exhaust memory. A Junos
	// configuration of tens of thousands of policies is a few tens of MiB.
	maxMessage = 512 << 20
	// maxChunk is RFC 6242's largest chunk-size (4294967295).
	maxChunk = 4294967295
)

// framer reads and writes NETCONF messages in one framing at a time.
type framer struct {
	r       *bufio.Reader
	w       io.Writer
	chunked bool
}

func newFramer(r io.Reader, w io.Writer) *framer {
	return &framer{r: bufio.NewReaderSize(r, 64<<10), w: w}
}

// readMessage returns the next whole message.
func (f *framer) readMessage() ([]byte, error) {
	if f.chunked {
		return readChunked(f.r)
	}
	return readEOM(f.r)
}

// writeMessage sends one message. The message is written with one Write so that a channel
// close cannot leave half a frame behind unnoticed.
func (f *framer) writeMessage(msg []byte) error {
	var b bytes.Buffer
	if f.chunked {
		// RFC 6242 §4.2: chunk-size is 1..4294967295; big messages go as several chunks.
		for rest := msg; len(rest) > 0; {
			n := min(len(rest), 1<<20)
			fmt.Fprintf(&b, "\n#%d\n", n)
			b.Write(rest[:n])
			rest = rest[n:]
		}
		b.WriteString("\n##\n")
	} else {
		b.Grow(len(msg) + len(endOfMessage))
		b.Write(msg)
		b.WriteString(endOfMessage)
	}
	_, err := f.w.Write(b.Bytes())
	return err
}

// readEOM reads up to the ]]>]]> marker (base:1.0).
func readEOM(r *bufio.Reader) ([]byte, error) {
	var msg []byte
	for {
		part, err := r.ReadSlice('>')
		msg = append(msg, part...)
		if err == bufio.ErrBufferFull {
			if len(msg) > maxMessage {
				return nil, errors.New("NETCONF message larger than 512 MiB")
			}
			continue
		}
		if err != nil {
			if err == io.EOF && len(bytes.TrimSpace(msg)) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if bytes.HasSuffix(msg, []byte(endOfMessage)) {
			return msg[:len(msg)-len(endOfMessage)], nil
		}
		if len(msg) > maxMessage {
			return nil, errors.New("NETCONF message larger than 512 MiB")
		}
	}
}

// readChunked reads one chunked message (base:1.1): one or more "\n#SIZE\n" + data chunks,
// then "\n##\n". Only the data goes into the message (go-netconf v0.3 kept the chunk headers
// of multi-chunk replies inside the data).
func readChunked(r *bufio.Reader) ([]byte, error) {
	var msg []byte
	for chunks := 0; ; chunks++ {
		if err := chunkStart(r, chunks == 0); err != nil {
			return nil, err
		}
		c, err := r.ReadByte()
		if err != nil {
			return nil, eofInFrame(err)
		}
		if c == '#' {
			if err := expect(r, '\n'); err != nil {
				return nil, err
			}
			if chunks == 0 {
				return nil, errors.New("NETCONF chunked framing: end-of-chunks with no chunk")
			}
			return msg, nil
		}
		if c < '1' || c > '9' {
			return nil, fmt.Errorf("NETCONF chunked framing: bad chunk size start %q", c)
		}
		digits := []byte{c}
		for {
			c, err = r.ReadByte()
			if err != nil {
				return nil, eofInFrame(err)
			}
			if c == '\n' {
				break
			}
			if c < '0' || c > '9' || len(digits) >= 10 {
				return nil, fmt.Errorf("NETCONF chunked framing: bad chunk size %q", string(append(digits, c)))
			}
			digits = append(digits, c)
		}
		size, err := strconv.ParseUint(string(digits), 10, 64)
		if err != nil || size > maxChunk {
			return nil, fmt.Errorf("NETCONF chunked framing: bad chunk size %q", digits)
		}
		if uint64(len(msg))+size > maxMessage {
			return nil, errors.New("NETCONF message larger than 512 MiB")
		}
		// Copy as the data arrives rather than allocating what the header claims.
		buf := bytes.NewBuffer(msg)
		if _, err := io.CopyN(buf, r, int64(size)); err != nil {
			return nil, eofInFrame(err)
		}
		msg = buf.Bytes()
	}
}

// chunkStart consumes the "\n#" that opens a chunk header. Before a message's first chunk,
// extra whitespace left over from the previous message is tolerated.
func chunkStart(r *bufio.Reader, first bool) error {
	sawNewline := false
	for {
		c, err := r.ReadByte()
		if err != nil {
			if first && err == io.EOF && !sawNewline {
				return io.EOF
			}
			return eofInFrame(err)
		}
		switch {
		case c == '\n':
			if sawNewline && !first {
				return errors.New("NETCONF chunked framing: blank line inside a message")
			}
			sawNewline = true
		case c == '#' && sawNewline:
			return nil
		case first && (c == ' ' || c == '\r' || c == '\t'):
		default:
			return fmt.Errorf("NETCONF chunked framing: unexpected %q where a chunk header belongs", c)
		}
	}
}

// expect reads one byte that must be want.
func expect(r *bufio.Reader, want byte) error {
	c, err := r.ReadByte()
	if err != nil {
		return eofInFrame(err)
	}
	if c != want {
		return fmt.Errorf("NETCONF chunked framing: got %q, want %q", c, want)
	}
	return nil
}

func eofInFrame(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
