package form

import (
	"errors"
	"strconv"
	"strings"

	"msnserver/admin/model"
)

// maxMessageRunes bounds an admin message, so it fits one MSNP payload with room to spare.
const maxMessageRunes = 400

// Message is the form that sends text to one online user.
type Message struct {
	Text string
}

// NewMessage reads the message form.
func NewMessage(get Getter) Message {
	return Message{Text: strings.TrimSpace(get("text"))}
}

// Validate checks the text.
func (f Message) Validate() error {
	_, err := lineText(f.Text, "The message", maxMessageRunes)
	return err
}

// Broadcast is the form that announces something to every online client.
type Broadcast struct {
	Kind    string // model.BroadcastShutdown or model.BroadcastText
	Minutes string // as typed, for showing the form again
	Text    string
}

// NewBroadcast reads the broadcast form.
func NewBroadcast(get Getter) Broadcast {
	return Broadcast{
		Kind:    strings.TrimSpace(get("kind")),
		Minutes: strings.TrimSpace(get("minutes")),
		Text:    strings.TrimSpace(get("text")),
	}
}

// maxShutdownMinutes is a day: a longer warning helps nobody.
const maxShutdownMinutes = 1440

// Validate checks the form and returns the broadcast it describes.
func (f Broadcast) Validate() (model.Broadcast, error) {
	switch f.Kind {
	case model.BroadcastShutdown:
		n, err := strconv.Atoi(f.Minutes)
		if err != nil || n < 0 || n > maxShutdownMinutes {
			return model.Broadcast{}, errors.New("Give the minutes until shutdown as a whole number from 0 to 1440.")
		}
		return model.Broadcast{Kind: f.Kind, Minutes: n}, nil
	case model.BroadcastText:
		if _, err := lineText(f.Text, "The message", maxMessageRunes); err != nil {
			return model.Broadcast{}, err
		}
		return model.Broadcast{Kind: f.Kind, Text: f.Text}, nil
	}
	return model.Broadcast{}, errors.New("Choose a shutdown notice or a text message.")
}
