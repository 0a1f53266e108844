variable "x" {
  default = [1, 2 3] # ERROR: Missing item separator
}
