variable "name" {
  type        = string
  description = "Name of the destination volume (usually the source volume's)."
}

variable "svm" {
  type        = string
  description = "Destination SVM, on the DR cluster."
}

variable "aggregate" {
  type = string
}

variable "size" {
  type        = string
  description = "Same size as the source: a smaller destination stops the mirror when the source fills."
}

variable "source_svm" {
  type = string
}

variable "source_volume" {
  type = string
}

variable "policy" {
  type    = string
  default = "MirrorAllSnapshots"
}

variable "schedule" {
  type    = string
  default = "hourly"
}

variable "state" {
  type        = string
  default     = "snapmirrored"
  description = "The relationship's state: snapmirrored, broken_off (fail over: the copy becomes writable) or paused."
}
