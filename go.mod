module godotsteam-sockets

go 1.26
