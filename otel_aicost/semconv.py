"""Every attribute, metric name, unit and bucket list we emit. Names users' dashboards depend on live here only.

GenAI names follow semantic conventions v1.41 (the last release that carried them); cost names are those
fixed by the project's SPEC (``gen_ai.usage.cost`` is the name OpenLIT, LiteLLM and Langfuse read). Stable
non-GenAI names come from ``opentelemetry-semantic-conventions`` (installed with the SDK).
"""

from opentelemetry.semconv.attributes import error_attributes, server_attributes, service_attributes

# --- GenAI span attributes (semconv v1.41) ---
OPERATION_NAME = "gen_ai.operation.name"
PROVIDER_NAME = "gen_ai.provider.name"
SYSTEM = "gen_ai.system"  # deprecated, still read by Azure Monitor
REQUEST_MODEL = "gen_ai.request.model"
REQUEST_STREAM = "gen_ai.request.stream"
REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
REQUEST_TEMPERATURE = "gen_ai.request.temperature"
REQUEST_TOP_P = "gen_ai.request.top_p"
REQUEST_FREQUENCY_PENALTY = "gen_ai.request.frequency_penalty"
REQUEST_PRESENCE_PENALTY = "gen_ai.request.presence_penalty"
REQUEST_STOP_SEQUENCES = "gen_ai.request.stop_sequences"
REQUEST_SEED = "gen_ai.request.seed"
REQUEST_CHOICE_COUNT = "gen_ai.request.choice.count"
REQUEST_ENCODING_FORMATS = "gen_ai.request.encoding_formats"
REQUEST_REASONING_LEVEL = "gen_ai.request.reasoning.level"
REQUEST_PREVIOUS_RESPONSE_ID = "gen_ai.request.previous_response.id"
OUTPUT_TYPE = "gen_ai.output.type"
EMBEDDINGS_DIMENSION_COUNT = "gen_ai.embeddings.dimension.count"
RESPONSE_ID = "gen_ai.response.id"
RESPONSE_MODEL = "gen_ai.response.model"
RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk"
USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens"
USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens"
TOKEN_TYPE = "gen_ai.token.type"
INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions"
TOOL_DEFINITIONS = "gen_ai.tool.definitions"
TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments"
TOOL_CALL_RESULT = "gen_ai.tool.call.result"
CONVERSATION_ID = "gen_ai.conversation.id"
INFERENCE_DETAILS_EVENT = "gen_ai.client.inference.operation.details"
SERVER_ADDRESS = server_attributes.SERVER_ADDRESS
SERVER_PORT = server_attributes.SERVER_PORT
ERROR_TYPE = error_attributes.ERROR_TYPE
AZURE_NAMESPACE = "azure.resource_provider.namespace"

# --- resource / general semconv read by the FinOps reader (records.py) ---
SERVICE_NAME = service_attributes.SERVICE_NAME
CLOUD_REGION = "cloud.region"

# --- OpenAI-specific (semconv v1.41 openai registry) ---
OPENAI_API_TYPE = "openai.api.type"
OPENAI_REQUEST_SERVICE_TIER = "openai.request.service_tier"
OPENAI_RESPONSE_SERVICE_TIER = "openai.response.service_tier"
OPENAI_RESPONSE_SYSTEM_FINGERPRINT = "openai.response.system_fingerprint"

# --- values ---
OP_CHAT = "chat"
OP_TEXT_COMPLETION = "text_completion"
OP_EMBEDDINGS = "embeddings"
API_CHAT_COMPLETIONS = "chat_completions"
API_RESPONSES = "responses"
# Surfaces semconv v1.41 names no operation for: images, speech and transcriptions are "generate_content" (its
# multimodal generation value) told apart by openai.api.type; the rest are our own documented values.
OP_GENERATE_CONTENT = "generate_content"
OP_MODERATIONS = "moderations"
OP_CREATE_BATCH = "create_batch"
OP_RETRIEVE_BATCH = "retrieve_batch"
OP_FILE_CONTENT = "read_file"  # files.content: a batch output file is priced at batch rates
OP_REALTIME_SESSION = "realtime_session"
API_IMAGES = "images"
API_SPEECH = "audio.speech"
API_TRANSCRIPTIONS = "audio.transcriptions"
API_TRANSLATIONS = "audio.translations"
API_MODERATIONS = "moderations"
API_BATCHES = "batches"
API_FILES = "files"
API_REALTIME = "realtime"
BATCH_ID = "openai.batch.id"  # documented choice: the batch a span's calls belong to
PROVIDER_OPENAI = "openai"
PROVIDER_AZURE = "azure.ai.openai"
SYSTEM_OPENAI = "openai"
SYSTEM_AZURE = "az.ai.openai"
TOKEN_INPUT = "input"
TOKEN_OUTPUT = "output"
ERROR_OTHER = "_OTHER"

# --- cost (SPEC section 3) ---
USAGE_COST = "gen_ai.usage.cost"
COST_INPUT = "aicost.cost.input"
COST_CACHE_READ = "aicost.cost.cache_read"
COST_CACHE_WRITE = "aicost.cost.cache_write"
COST_OUTPUT = "aicost.cost.output"
COST_AUDIO_INPUT = "aicost.cost.audio_input"
COST_AUDIO_OUTPUT = "aicost.cost.audio_output"
COST_IMAGE_OUTPUT = "aicost.cost.image_output"
COST_UNITS = "aicost.cost.units"  # per-image, per-minute or per-character charges
COST_TOOLS = "aicost.cost.tools"  # built-in tool fees (Responses API)
# What a per-unit call billed (documented choice, no semconv name): 3 images, 1.5 minutes, 1200 characters.
UNITS_QUANTITY = "aicost.units.quantity"
UNITS_UNIT = "aicost.units.unit"  # images | minutes | characters
UNITS_SOURCE = "aicost.units.source"  # reported | request | file_header | estimated
TOOL_CALLS_PREFIX = "aicost.tool_calls."  # + tool type: web_search, file_search, code_interpreter, image_generation
CURRENCY = "aicost.currency"
PRICING_STATUS = "aicost.pricing.status"
PRICING_MODEL = "aicost.pricing.model"
PRICING_SOURCE = "aicost.pricing.source"
USAGE_SOURCE = "aicost.usage.source"
DEPLOYMENT_NAME = "aicost.deployment.name"
DEPLOYMENT_TYPE = "aicost.deployment.type"
DEPLOYMENT_TYPE_SOURCE = "aicost.deployment.type_source"  # declared | detected | assumed
TAG_PREFIX = "aicost.tag."

STATUS_PRICED = "priced"
STATUS_UNKNOWN_MODEL = "unknown_model"
STATUS_NO_USAGE = "no_usage"
STATUS_PROVISIONED = "provisioned"
STATUS_IMPLAUSIBLE_USAGE = "implausible_usage"  # beyond what the model can bill in one call: not priced
STATUS_STALE_PRICE = "stale_price"  # the only known price ended before the call
STATUS_FREE = "free"  # a call the API does not bill (moderations, batch and file management)

DEPLOYMENT_TYPES = (
    "global_standard",
    "data_zone_standard",
    "regional_standard",
    "provisioned",
    "global_batch",
    "data_zone_batch",
)

# --- streams (SPEC section 5) ---
# span event: the endpoint refused the stream_options we added; the request was sent again without them
EVENT_STREAM_OPTIONS_REFUSED = "aicost.stream_options.refused"

# --- budgets (SPEC section 7) ---
BUDGET_THRESHOLD_EVENT = "aicost.budget.threshold"
BUDGET_UTILIZATION = "aicost.budget.utilization"  # gauge (ratio) and event attribute: spent / limit
BUDGET_NAME = "aicost.budget.name"
BUDGET_THRESHOLD = "aicost.budget.threshold"  # event attribute: the fraction of the limit crossed, e.g. 0.8
BUDGET_SPENT = "aicost.budget.spent"
BUDGET_LIMIT = "aicost.budget.limit"
BUDGET_PERIOD = "aicost.budget.period"  # hour | day | month
BUDGET_PERIOD_START = "aicost.budget.period_start"  # ISO 8601, UTC
BUDGET_ACTION = "aicost.budget.action"  # warn | block
BUDGET_LOGGER = "otel_aicost.budgets"  # Python logger of threshold warnings (routed to OTel logs by setup)

# --- metrics (SPEC section 4) ---
METRIC_TOKEN_USAGE = "gen_ai.client.token.usage"
METRIC_OPERATION_DURATION = "gen_ai.client.operation.duration"
METRIC_TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk"
METRIC_TIME_PER_OUTPUT_CHUNK = "gen_ai.client.operation.time_per_output_chunk"
METRIC_COST = "gen_ai.usage.cost"
# Derived by the Collector (collector/base.yaml, signal_to_metrics) from span attributes.
COLLECTOR_METRIC_COST = "aicost.cost"
COLLECTOR_METRIC_REQUESTS = "aicost.requests"

TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
# Per-call costs from $0.000001 to $10: roughly three buckets per decade.
COST_BUCKETS = (
    0.000001, 0.0000025, 0.000005,
    0.00001, 0.000025, 0.00005,
    0.0001, 0.00025, 0.0005,
    0.001, 0.0025, 0.005,
    0.01, 0.025, 0.05,
    0.1, 0.25, 0.5,
    1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
