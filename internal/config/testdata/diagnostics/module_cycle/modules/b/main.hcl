module "a" {
  source = "../a" # ERROR: modules/a -> modules/b -> modules/a
}
