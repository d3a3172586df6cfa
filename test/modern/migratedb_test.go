package modern

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aires-dev/aires/internal/schema/migrate"
	"github.com/aires-dev/aires/test/modern/chdb"
)

// chdbDB runs internal/schema/migrate's statements on the chDB session, so
// the migrator and the retention janitor run on ClickHouse 26.7 exactly as
// the collector runs them on its server. chDB queries cannot be cancelled:
// the context is only checked before each one.
type chdbDB struct{ s *chdb.Session }

var _ migrate.DB = chdbDB{}

func (d chdbDB) Exec(ctx context.Context, query string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.s.Exec(query)
}

// Query reads the rows as JSONCompactStrings: every value as a JSON string,
// whatever its type, under "data".
func (d chdbDB) Query(ctx context.Context, query string) ([][]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := d.s.Query(query, "JSONCompactStrings")
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	var res struct {
		Data [][]string `json:"data"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("read the JSONCompactStrings output of %s: %w", query, err)
	}
	return res.Data, nil
}
