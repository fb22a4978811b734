package bindings

//go:generate go run ./internal/gen -in ../../shared/spec/api.json -out constants_gen.go
