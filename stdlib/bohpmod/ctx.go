package bohpmod

import "context"

func bgContext() context.Context { return context.Background() }
