package junossim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// NETCONF message framing over the SSH channel (RFC 6242): the hello and every message of a
// base:1.0 session end with "]]>]]>"; once both peers have offered base:1.1, messages are
// sent as chunks ("\n#<size>\n<data>" ... "\n##\n").

const (
	endOfMessage = "]]>]]>"
	// maxMessage bounds one request; a client that sends more is cut off.
	maxMessage = 32 << 20
)

var errMessageTooLarge = errors.New("netconf message too large")

type framer struct {
	r       *bufio.Reader
	w       io.Writer
	wmu     sync.Mutex
	chunked bool
}

func newFramer(r io.Reader, w io.Writer) *framer {
	return &framer{r: bufio.NewReaderSize(r, 64<<10), w: w}
}

// ReadMessage returns the next message without its framing.
func (f *framer) ReadMessage() ([]byte, error) {
	if f.chunked {
		return readChunked(f.r)
	}
	return readEOM(f.r)
}

func readEOM(r *bufio.Reader) ([]byte, error) {
	var buf bytes.Buffer
	for {
		b, err := r.ReadByte()
		if err != nil {
			if err == io.EOF && len(bytes.TrimSpace(buf.Bytes())) > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		buf.WriteByte(b)
		if b == '>' && bytes.HasSuffix(buf.Bytes(), []byte(endOfMessage)) {
			return buf.Bytes()[:buf.Len()-len(endOfMessage)], nil
		}
		if buf.Len() > maxMessage {
			return nil, errMessageTooLarge
		}
	}
}

func readChunked(r *bufio.Reader) ([]byte, error) {
	var msg bytes.Buffer
	for {
		if err := expect(r, "\n#"); err != nil {
			if msg.Len() == 0 && err == io.EOF {
				return nil, io.EOF
			}
			return nil, err
		}
		b, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		if b == '#' {
			if err := expect(r, "\n"); err != nil {
				return nil, err
			}
			if msg.Len() == 0 {
				return nil, errors.New("chunked framing: message without chunks")
			}
			return msg.Bytes(), nil
		}
		digits := []byte{b}
		for {
			d, err := r.ReadByte()
			if err != nil {
				return nil, err
			}
			if d == '\n' {
				break
			}
			digits = append(digits, d)
			if len(digits) > 10 {
				return nil, errors.New("chunked framing: chunk size too long")
			}
		}
		if digits[0] < '1' || digits[0] > '9' {
			return nil, fmt.Errorf("chunked framing: bad chunk size %q", digits)
		}
		size, err := strconv.ParseUint(string(digits), 10, 32)
		if err != nil || size == 0 {
			return nil, fmt.Errorf("chunked framing: bad chunk size %q", digits)
		}
		if uint64(msg.Len())+size > maxMessage {
			return nil, errMessageTooLarge
		}
		if _, err := io.CopyN(&msg, r, int64(size)); err != nil {
			return nil, err
		}
	}
}

func expect(r *bufio.Reader, s string) error {
	for i := 0; i < len(s); i++ {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		if b != s[i] {
			return fmt.Errorf("chunked framing: expected %q, got %q", s[i], b)
		}
	}
	return nil
}

// WriteMessage frames and sends one message.
func (f *framer) WriteMessage(msg []byte) error {
	f.wmu.Lock()
	defer f.wmu.Unlock()
	var buf bytes.Buffer
	if f.chunked {
		fmt.Fprintf(&buf, "\n#%d\n", len(msg))
		buf.Write(msg)
		buf.WriteString("\n##\n")
	} else {
		buf.Write(msg)
		buf.WriteString("\n" + endOfMessage)
	}
	_, err := f.w.Write(buf.Bytes())
	return err
}
