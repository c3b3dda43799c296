package shell

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// A shell command is one line: `\name args`, `.name args`, or help, exit or
// quit alone. A trailing `;` is ignored, as psql does (`\d;`).

// isCommand reports whether line, typed when no statement is pending, is a
// shell command rather than SQL.
func isCommand(line string) bool {
	fields := commandFields(line)
	if len(fields) == 0 {
		return false
	}
	switch name := fields[0]; {
	case strings.HasPrefix(name, `\`), strings.HasPrefix(name, "."):
		return true
	case len(fields) == 1:
		switch strings.ToLower(name) {
		case "help", "exit", "quit":
			return true
		}
	}
	return false
}

// commandFields splits a command line into words, without a trailing `;`.
func commandFields(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimSpace(strings.TrimSuffix(line, ";"))
	return strings.Fields(line)
}

// command is one shell command: its spellings, its arguments for the help,
// what it does, and how it runs.
type command struct {
	names []string
	args  string
	help  string
	run   func(s *session, ctx context.Context, args []string) error
}

// commands are the shell's commands, in the order help lists them.
var commands []command

func init() {
	// Assigned in init: the commands' run functions read the list itself
	// (help prints it).
	commands = []command{
		{[]string{`\?`, "help", ".help"}, "", "show this help", (*session).help},
		{[]string{`\q`, "quit", "exit", ".quit", ".exit"}, "", "leave (Ctrl-D on an empty line too)", quit},
		{[]string{`\dt`, ".tables"}, "[name]", "providers, or what azure or azure.compute[.v%] holds", (*session).listTables},
		{[]string{`\d`, ".schema"}, "[name]", "describe a resource's parameters and columns", (*session).describe},
		{[]string{`\d+`}, "name", "... and the fields inside its object columns", (*session).describeExtended},
		{[]string{`\x`}, "[on|off|auto]", "one line per field; auto: when wider than the screen", (*session).setExpanded},
		{[]string{`\timing`, ".timing"}, "[on|off]", "print each statement's time", (*session).setTiming},
		{[]string{`\o`, ".output"}, "[file]", "send results to file; without one, to the screen", (*session).setOutput},
		{[]string{`\i`, ".read"}, "file", "run the statements in file", (*session).include},
	}
}

func quit(*session, context.Context, []string) error { return errQuit }

// command runs a command line. It returns errQuit to leave, or another
// error when the shell must stop; a command that fails is reported and
// counted like a failed statement.
func (s *session) command(ctx context.Context, line string) error {
	s.ran++
	fields := commandFields(line)
	name, args := fields[0], fields[1:]
	for _, c := range commands {
		for _, n := range c.names {
			if strings.EqualFold(n, name) {
				err := c.run(s, ctx, args)
				var fail commandError
				if errors.As(err, &fail) {
					s.commandFailed(err)
					return nil
				}
				return err
			}
		}
	}
	s.commandFailed(failf("unknown command %q: type help or \\? for the list", name))
	return nil
}

// commandFailed reports a failed command, with its line in a script.
func (s *session) commandFailed(err error) {
	s.failed++
	if in := s.current; !in.fromTerminal {
		fmt.Fprintf(s.cfg.Err, "error in the command on line %d%s: %v\n", in.split.line, in.where(), err)
		return
	}
	fmt.Fprintf(s.cfg.Err, "error: %v\n", err)
}

// commandError is a command that failed without stopping the shell.
type commandError struct{ msg string }

func (e commandError) Error() string { return e.msg }

func failf(format string, a ...any) error { return commandError{fmt.Sprintf(format, a...)} }

func (s *session) help(context.Context, []string) error {
	var b strings.Builder
	b.WriteString("Statements end with \";\" and may span lines. Commands take one line:\n")
	for _, c := range commands {
		usage := strings.Join(c.names, ", ")
		if c.args != "" {
			usage += " " + c.args
		}
		fmt.Fprintf(&b, "  %-30s %s\n", usage, c.help)
	}
	b.WriteString("Tab completes names, columns, parameters, methods and json_extract paths.\n")
	b.WriteString("Ctrl-C clears the statement being typed, or cancels the one running.\n")
	fmt.Fprint(s.cfg.Out, b.String())
	return nil
}

// namePattern is what \dt and \d accept: dotted names, with LIKE's % and _.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_%-]+(\.[A-Za-z0-9_%-]+){0,2}$`)

func checkName(cmd string, args []string, usage string) (string, error) {
	switch {
	case len(args) > 1:
		return "", failf("%s takes one name, got %d words: %s %s", cmd, len(args), cmd, usage)
	case len(args) == 0:
		return "", nil
	case !namePattern.MatchString(args[0]):
		return "", failf("%s: %q is not a name like azure.compute.virtual_machines", cmd, args[0])
	}
	return args[0], nil
}

func (s *session) listTables(ctx context.Context, args []string) error {
	name, err := checkName(`\dt`, args, "[name]")
	if err != nil {
		return err
	}
	return s.runCommandSQL(ctx, listSQL(name))
}

// listSQL is the SHOW statement \dt runs for a name.
func listSQL(name string) string {
	parts := strings.Split(name, ".")
	switch {
	case name == "":
		return "SHOW PROVIDERS"
	case len(parts) == 1:
		return "SHOW SERVICES IN " + name
	case len(parts) == 2:
		return "SHOW RESOURCES IN " + name
	}
	return fmt.Sprintf("SHOW RESOURCES IN %s.%s LIKE '%s'", parts[0], parts[1], parts[2])
}

func (s *session) describe(ctx context.Context, args []string) error {
	name, err := checkName(`\d`, args, "[name]")
	if err != nil || name == "" {
		if err == nil {
			return s.runCommandSQL(ctx, listSQL(""))
		}
		return err
	}
	return s.runCommandSQL(ctx, "DESCRIBE "+name)
}

func (s *session) describeExtended(ctx context.Context, args []string) error {
	name, err := checkName(`\d+`, args, "name")
	if err != nil {
		return err
	}
	if name == "" {
		return failf(`\d+ needs a resource: \d+ provider.service.resource`)
	}
	return s.runCommandSQL(ctx, "DESCRIBE EXTENDED "+name)
}

// runCommandSQL runs the statement a command stands for, as if typed on
// the command's line.
func (s *session) runCommandSQL(ctx context.Context, sql string) error {
	s.ran-- // the command counts once, as its statement
	return s.execute(ctx, s.current, statement{text: sql, line: s.current.split.line})
}

// toggle reads an on|off argument; none flips the current setting.
func toggle(cmd string, current bool, args []string) (bool, error) {
	switch {
	case len(args) == 0:
		return !current, nil
	case len(args) == 1 && strings.EqualFold(args[0], "on"):
		return true, nil
	case len(args) == 1 && strings.EqualFold(args[0], "off"):
		return false, nil
	}
	return current, failf("usage: %s [on|off] (it is %s)", cmd, onOff(current))
}

func (s *session) setTiming(_ context.Context, args []string) error {
	on, err := toggle(`\timing`, s.timing, args)
	if err != nil {
		return err
	}
	s.timing = on
	fmt.Fprintf(s.cfg.Err, "Timing is %s.\n", onOff(on))
	return nil
}

func (s *session) setExpanded(_ context.Context, args []string) error {
	if len(args) == 1 && strings.EqualFold(args[0], "auto") {
		s.expanded = expandedAuto
		fmt.Fprintln(s.cfg.Err, "Expanded display is used automatically.")
		return nil
	}
	on, err := toggle(`\x`, s.expanded == expandedOn, args)
	if err != nil {
		return failf("usage: \\x [on|off|auto]")
	}
	s.expanded = expandedOff
	if on {
		s.expanded = expandedOn
	}
	fmt.Fprintf(s.cfg.Err, "Expanded display is %s.\n", onOff(on))
	return nil
}

func (s *session) setOutput(_ context.Context, args []string) error {
	if len(args) > 1 {
		return failf(`usage: \o [file] (a file name without spaces)`)
	}
	var f *os.File
	if len(args) == 1 {
		var err error
		if f, err = os.Create(args[0]); err != nil {
			return failf("\\o: %v", err)
		}
	}
	if err := s.closeOutput(); err != nil {
		fmt.Fprintf(s.cfg.Err, "warning: %v\n", err)
	}
	s.outFile = f
	return nil
}

// closeOutput closes \o's file, if any; results go to Config.Out again.
func (s *session) closeOutput() error {
	if s.outFile == nil {
		return nil
	}
	err := s.outFile.Close()
	if err != nil {
		err = fmt.Errorf("writing %s: %w", s.outFile.Name(), err)
	}
	s.outFile = nil
	return err
}

// maxIncludeDepth stops a file that reads itself with \i.
const maxIncludeDepth = 16

func (s *session) include(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return failf(`usage: \i file (a file name without spaces)`)
	}
	if s.depth >= maxIncludeDepth {
		return failf("\\i %s: files read each other more than %d deep", args[0], maxIncludeDepth)
	}
	f, err := os.Open(args[0])
	if err != nil {
		return failf("\\i: %v", err)
	}
	defer f.Close()
	s.depth++
	defer func() { s.depth-- }()
	s.ran-- // the file's statements count, not the command
	err = s.loop(ctx, &input{src: newReaderLines(f), name: args[0]})
	if errors.Is(err, errInterrupted) && s.interactive {
		return nil // Ctrl-C stops the file, not the shell
	}
	return err
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
