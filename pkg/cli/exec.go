package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/output"
)

func newExecCommand(opts *globalOptions) *cobra.Command {
	so := &sessionOptions{}
	var file string
	cmd := &cobra.Command{
		Use:   "exec [SQL]",
		Short: "Run SQL statements and print their results",
		Long: `Run one or more SQL statements (separated by ;) given as an argument, with
-f FILE, or on standard input (-f -). Results go to stdout in the -o format;
messages go to stderr. The exit code is 0 only when every statement succeeded.

` + scopeHelp,
		Example: `  skyql exec --sandbox "SHOW SERVICES IN azure"
  skyql exec -o json -f inventory.sql`,
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := statementText(cmd, args, file)
			if err != nil {
				return err
			}
			ctx, stop := untilTerminated(cmd.Context(), terminationSignals...)
			defer stop()
			s, err := newSession(ctx, cmd, opts, so)
			if err != nil {
				return err
			}
			defer s.Close()
			w, err := output.New(opts.output, cmd.OutOrStdout())
			if err != nil {
				return usageError{err}
			}
			err = s.Execute(ctx, text, w)
			if errors.Is(err, context.Canceled) {
				return errors.New("canceled")
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "read the SQL from FILE (- for standard input)")
	so.register(cmd)
	return cmd
}

// statementText takes the SQL from the argument or the -f file.
func statementText(cmd *cobra.Command, args []string, file string) (string, error) {
	switch {
	case file != "" && len(args) > 0:
		return "", usageError{errors.New("give the SQL either as an argument or with -f, not both")}
	case file == "-":
		b, err := io.ReadAll(cmd.InOrStdin())
		return string(b), err
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading SQL: %w", err)
		}
		return string(b), nil
	case len(args) == 1:
		return args[0], nil
	case len(args) > 1:
		return "", usageError{fmt.Errorf("give the SQL as one quoted argument (got %d arguments)", len(args))}
	}
	return "", usageError{errors.New(`no SQL given: skyql exec "SELECT ..." or skyql exec -f file.sql`)}
}
