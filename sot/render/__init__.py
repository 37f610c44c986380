"""Pure render functions: snapshot data + a size -> a Block of styled cells."""
