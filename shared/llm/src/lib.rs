//! riskmonitor-llm
