module github.com/spillway-go/spillway

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/samber/lo v1.53.0 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/text v0.22.0 // indirect
	pgregory.net/rapid v1.3.0 // indirect
)
