"""What a parachain is: the validate_block ABI, the PVF executor and example parachains."""
