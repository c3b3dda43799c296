package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/skyql/skyql/pkg/store"
)

func newCacheCommand(opts *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Inspect or clear the response cache",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{fmt.Errorf("use one of: skyql cache info | skyql cache clear")}
		},
	}
	cachePath := func() (string, error) {
		dir, err := opts.appDirectory()
		if err != nil {
			return "", err
		}
		return filepath.Join(dir, "cache.db"), nil
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "clear",
		Short: "Forget every cached API response and compiled service index",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := cachePath()
			if err != nil {
				return err
			}
			index := indexDir(filepath.Dir(path))
			if err := os.RemoveAll(index); err != nil {
				return fmt.Errorf("removing the service indexes at %s: %w", index, err)
			}
			if _, err := os.Stat(path); os.IsNotExist(err) {
				fmt.Fprintf(cmd.ErrOrStderr(), "no cache at %s: nothing to clear\n", path)
				return nil
			}
			st, err := store.Open(cmd.Context(), store.Options{Path: path})
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Clear(cmd.Context()); err != nil {
				return fmt.Errorf("clearing the cache at %s: %w", path, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "cleared the cache at %s\n", path)
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "info",
		Short: "Show where the cache is and what it holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := cachePath()
			if err != nil {
				return err
			}
			info, err := os.Stat(path)
			if os.IsNotExist(err) {
				fmt.Fprintf(cmd.OutOrStdout(), "path: %s\nsize: 0 (no cache yet)\n", path)
				return nil
			}
			if err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), store.Options{Path: path})
			if err != nil {
				return err
			}
			defer st.Close()
			var calls, rows int64
			if err := st.DB().QueryRowContext(cmd.Context(), `SELECT count(*), coalesce(sum(row_count), 0) FROM skyql_calls WHERE complete = 1`).Scan(&calls, &rows); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "path: %s\nsize: %d bytes\ncached calls: %d\ncached rows: %d\n", path, info.Size(), calls, rows)
			return nil
		},
	})
	return cmd
}
