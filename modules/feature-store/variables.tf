variable "views" {
  description = <<-EOT
    Feature views by name. Each: `entity_key` (the feature identifying a record), `event_time`
    (default `event_time`), `features` (name to type: `Integral`, `Fractional` or `String`; the
    key and the event time are added as `String` unless listed), optional `descriptions` (name
    to text), `online` (default true), `ttl_days`, `offline` (default: when `bucket` is set;
    under `s3://<bucket>/<prefix>/<view>`), `description` and `allow_replacement` (let a
    removed or retyped feature replace the group and lose its data).
  EOT
  type = map(object({
    entity_key        = string
    event_time        = optional(string, "event_time")
    features          = map(string)
    descriptions      = optional(map(string), {})
    description       = optional(string)
    online            = optional(bool, true)
    ttl_days          = optional(number)
    offline           = optional(bool)
    allow_replacement = optional(bool, false)
  }))

  validation {
    condition     = alltrue([for n, v in var.views : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$", n))])
    error_message = "View names must be 1-64 letters, digits and hyphens, starting and ending with a letter or digit."
  }
  validation {
    condition     = alltrue(flatten([for v in var.views : [for t in values(v.features) : contains(["Integral", "Fractional", "String"], t)]]))
    error_message = "Feature types must be Integral, Fractional or String."
  }
  validation {
    condition     = alltrue([for v in var.views : contains(["String", "Fractional"], lookup(v.features, v.event_time, "String"))])
    error_message = "An event_time feature must be String (ISO 8601) or Fractional (epoch seconds)."
  }
  validation {
    condition     = alltrue([for v in var.views : alltrue([for f in keys(v.descriptions) : contains(concat(keys(v.features), [v.entity_key, v.event_time]), f)])])
    error_message = "descriptions may only name features of the view."
  }
  validation {
    condition     = alltrue([for v in var.views : v.entity_key != v.event_time])
    error_message = "A view's entity_key and event_time must be different features."
  }
}

variable "role_arn" {
  description = "IAM role of the offline stores (S3 and Glue access). Needed with `bucket`."
  type        = string
  default     = null

  validation {
    condition     = var.role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
  }
}

variable "bucket" {
  description = "S3 bucket of the offline stores. Set it (and `role_arn`) and every view gets an offline store unless it says `offline = false`."
  type        = string
  default     = null
}

variable "prefix" {
  description = "Key prefix of the offline stores in `bucket`."
  type        = string
  default     = "feature-store"
}

variable "table_format" {
  description = "Table format of the offline stores: `Glue` or `Iceberg`."
  type        = string
  default     = "Glue"

  validation {
    condition     = contains(["Glue", "Iceberg"], var.table_format)
    error_message = "table_format must be Glue or Iceberg."
  }
}

variable "tags" {
  description = "Tags of every feature group."
  type        = map(string)
  default     = {}
}
