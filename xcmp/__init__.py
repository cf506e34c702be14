"""Message-passing rules shared by the relay runtime and parachains: HRMP, DMP, UMP, MQC heads."""
