extends Node2D
## One player: spawned by the server's MultiplayerSpawner, position replicated at 60 Hz
## by its MultiplayerSynchronizer.
