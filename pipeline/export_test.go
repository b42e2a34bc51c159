package pipeline_test

import "runtime"

func runtimeGosched() { runtime.Gosched() }
