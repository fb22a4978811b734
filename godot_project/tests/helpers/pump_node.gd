extends Node
## Pumps the Steam callbacks the way a game does: once per frame from _process.

var frames_pumped: int = 0


func _process(_delta: float) -> void:
	Steam.run_callbacks()
	frames_pumped += 1
