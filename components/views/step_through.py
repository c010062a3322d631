import streamlit as st

st.title("Step through one training step")
