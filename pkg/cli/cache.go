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
	cacheFiles := func() (store.Options, error) {
		dir, err := opts.appDirectory()
		if err != nil {
			return store.Options{}, err
		}
		return cacheOptions(dir), nil
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "clear",
		Short: "Forget every cached API response, kept query result and compiled service index",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, err := cacheFiles()
			if err != nil {
				return err
			}
			path := files.Path
			index := indexDir(filepath.Dir(path))
			if err := os.RemoveAll(index); err != nil {
				return fmt.Errorf("removing the service indexes at %s: %w", index, err)
			}
			if _, err := os.Stat(path); os.IsNotExist(err) {
				if err := os.RemoveAll(files.ResultDir); err != nil {
					return fmt.Errorf("removing the kept results at %s: %w", files.ResultDir, err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "no cache at %s: nothing to clear\n", path)
				return nil
			}
			st, err := store.Open(cmd.Context(), files)
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
			files, err := cacheFiles()
			if err != nil {
				return err
			}
			path := files.Path
			info, err := os.Stat(path)
			if os.IsNotExist(err) {
				fmt.Fprintf(cmd.OutOrStdout(), "path: %s\nsize: 0 (no cache yet)\n", path)
				return nil
			}
			if err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), files)
			if err != nil {
				return err
			}
			defer st.Close()
			stats, err := st.Stats(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "path: %s\nsize: %d bytes\ncached calls: %d\ncached rows: %d\nkept results: %d (%d bytes on disk, in %s)\n",
				path, info.Size(), stats.Calls, stats.Rows, stats.Results, stats.ResultBytes, files.ResultDir)
			return nil
		},
	})
	return cmd
}
